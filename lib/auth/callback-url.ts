/**
 * Where to go after sign-in: only a path on this portal. Anything else (absolute URLs, `//host`,
 * backslash tricks) becomes "/", so the sign-in page cannot be used as an open redirect.
 */
export function safeCallbackPath(value: unknown): string {
  if (typeof value !== "string" || value.length > 2000) return "/";
  if (!value.startsWith("/") || value.startsWith("//") || value.includes("\\")) return "/";
  // Sending someone back to the auth pages after signing in would loop.
  if (/^\/(signin|denied|auth-error|api\/auth)(\/|\?|$)/.test(value)) return "/";
  return value;
}
