/**
 * Runs once when the Next.js server starts. The check lives in a Node-only module so that the
 * edge bundle of this file never references process.exit.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { checkConfigurationOrExit } = await import("@/lib/startup-check");
    checkConfigurationOrExit();
  }
}
