/**
 * Runs once when the Next.js server starts: a broken configuration stops the process here, with
 * every bad variable listed, instead of failing later on the first request.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { env, EnvError } = await import("@/lib/env");
  try {
    env();
  } catch (e) {
    if (e instanceof EnvError) {
      console.error(`AI Hub cannot start.\n${e.message}`);
      process.exit(1);
    }
    throw e;
  }
}
