import { decode } from "next-auth/jwt";
import { z } from "zod";

/**
 * The session cookie outside Next.js (the proxy process, tests). next-auth encrypts the session
 * token (JWE, A256GCM, key derived from NEXTAUTH_SECRET) and splits values above ~4 kB into
 * `<name>.0`, `<name>.1`, … cookies.
 */
export const SESSION_COOKIE = "next-auth.session-token";
export const SECURE_SESSION_COOKIE = "__Secure-next-auth.session-token";

export function sessionCookieName(secure: boolean): string {
  return secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
}

/** What the portal keeps in the session token; written by the jwt callback in lib/auth/options.ts. */
export const sessionTokenSchema = z.object({
  uid: z.string().min(1),
  username: z.string().min(1),
  name: z.string().nullish(),
  email: z.string().nullish(),
  groups: z.array(z.string()),
  roles: z.array(z.string()),
  /** The IdP's ID token, kept only for id_token_hint at logout; never sent to the browser in clear. */
  idToken: z.string().optional(),
  exp: z.number(),
});

export type SessionToken = z.infer<typeof sessionTokenSchema>;

/** Parses a Cookie header into name → value. */
export function parseCookieHeader(header: string | null | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!cookies.has(name)) cookies.set(name, part.slice(eq + 1).trim());
  }
  return cookies;
}

/** The session cookie's value, joining chunks `.0`, `.1`, … in numeric order; null when absent. */
export function readSessionCookie(cookies: Map<string, string> | Record<string, string>, secure: boolean): string | null {
  const entries = cookies instanceof Map ? [...cookies] : Object.entries(cookies);
  const name = sessionCookieName(secure);
  const whole = entries.find(([k]) => k === name);
  if (whole) return whole[1];
  const chunks = entries
    .map(([k, v]) => ({ index: k.startsWith(`${name}.`) ? Number(k.slice(name.length + 1)) : NaN, v }))
    .filter((c) => Number.isInteger(c.index) && c.index >= 0)
    .sort((a, b) => a.index - b.index);
  // A missing chunk means a truncated token: treat as no session rather than decrypt garbage.
  if (chunks.length === 0 || chunks.some((c, i) => c.index !== i)) return null;
  return chunks.map((c) => c.v).join("");
}

/** Decrypts and validates a session token; null when tampered with, expired, or not ours. */
export async function decodeSessionToken(cookieValue: string, secret: string): Promise<SessionToken | null> {
  if (!cookieValue) return null;
  try {
    const payload = await decode({ token: cookieValue, secret });
    const parsed = sessionTokenSchema.safeParse(payload);
    // jose checks exp with 15 s tolerance; be strict here so "expired" means expired.
    if (!parsed.success || parsed.data.exp * 1000 <= Date.now()) return null;
    return parsed.data;
  } catch {
    return null;
  }
}

/** For the proxy: who a session cookie belongs to, or null when it is not a valid, current session. */
export async function decodeSessionCookie(
  cookieValue: string,
  secret: string,
): Promise<{ userId: string; username: string; roles: string[]; exp: number } | null> {
  const token = await decodeSessionToken(cookieValue, secret);
  return token ? { userId: token.uid, username: token.username, roles: token.roles, exp: token.exp } : null;
}
