import type { Env } from "@/lib/env";

/**
 * Development-only key for the session cookie, so that `npm run dev` works with no configuration and
 * the web and proxy processes agree on it. Production refuses to start without NEXTAUTH_SECRET
 * (lib/env), so this value can never protect a real deployment.
 */
const DEVELOPMENT_SECRET = "ai-hub-development-only-session-secret-do-not-use-in-production";

/** The key that encrypts the session cookie; shared by web and proxy. */
export function authSecret(env: Pick<Env, "NEXTAUTH_SECRET" | "NODE_ENV">): string {
  if (env.NEXTAUTH_SECRET) return env.NEXTAUTH_SECRET;
  if (env.NODE_ENV === "production") throw new Error("NEXTAUTH_SECRET is required in production");
  return DEVELOPMENT_SECRET;
}

/** Cookies are Secure (and get the __Secure- prefix) when the portal is served over https. */
export function secureCookiesFor(env: Pick<Env, "NEXTAUTH_URL">): boolean {
  return env.NEXTAUTH_URL?.startsWith("https://") ?? false;
}
