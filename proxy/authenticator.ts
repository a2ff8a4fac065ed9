/**
 * Who is making a request: the portal's session cookie (next-auth JWT, decoded by an injected
 * function) or a Bearer API token with session scope. Results, including negative ones, are cached
 * briefly by the credential so that a notebook's stream of requests costs one decryption per TTL,
 * and a cache hit is answered synchronously (no promise on the hot path).
 */
import type { IncomingHttpHeaders } from "node:http";

export interface Identity {
  userId: string;
  username: string;
  roles: string[];
  via: "cookie" | "token";
}

export interface DecodedSessionCookie {
  userId: string;
  username: string;
  roles: string[];
  /** Expiry, seconds since the epoch. */
  exp: number;
}

export interface AuthenticatorOptions {
  /** Decodes the (re-assembled) session cookie value; null when invalid or expired. */
  decodeCookie: (cookieValue: string) => Promise<DecodedSessionCookie | null>;
  /** Verifies a Bearer API token. Absent: Bearer tokens are refused. */
  verifyApiToken?: (token: string) => Promise<(Omit<Identity, "via"> & { scopes: string[] }) | null>;
  /** How long a verification result is reused. Default 30 s. */
  ttlMs?: number;
  /** How long a failed verification is reused (forged-cookie floods). Default 5 s. */
  negativeTtlMs?: number;
  maxEntries?: number;
  now?: () => number;
}

/** Scopes that let an API token open sessions. */
const SESSION_SCOPES = new Set(["sessions:access", "sessions"]);

/** What the proxy needs from a request's credentials; `forwardCookie` is the Cookie header for pods. */
export interface Credentials {
  identity: Identity | null;
  /** The Cookie header without the portal's `next-auth.*` cookies; undefined when nothing is left. */
  forwardCookie: string | undefined;
}

interface Entry {
  value: Credentials;
  expiresAt: number;
}

export class Authenticator {
  private readonly cache = new Map<string, Entry>();
  private readonly ttl: number;
  private readonly negativeTtl: number;
  private readonly max: number;
  private readonly now: () => number;

  constructor(private readonly options: AuthenticatorOptions) {
    this.ttl = options.ttlMs ?? 30_000;
    this.negativeTtl = options.negativeTtlMs ?? 5_000;
    this.max = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** The documented interface: `(req) => Promise<Identity | null>`. */
  async authenticate(req: { headers: IncomingHttpHeaders }): Promise<Identity | null> {
    return (await this.resolve(req.headers)).identity;
  }

  /** Synchronous on a cache hit; a promise only when a credential must be verified. */
  resolve(headers: IncomingHttpHeaders): Credentials | Promise<Credentials> {
    const auth = headers.authorization;
    const cookie = headers.cookie;
    const bearer = auth !== undefined && /^bearer /i.test(auth) ? auth.slice(7).trim() : undefined;
    const key = bearer !== undefined ? "b:" + bearer + "\n" + (cookie ?? "") : "c:" + (cookie ?? "");
    const hit = this.cache.get(key);
    const now = this.now();
    if (hit !== undefined && hit.expiresAt > now) return hit.value;
    if (hit !== undefined) this.cache.delete(key);
    return this.verify(key, bearer, cookie, now);
  }

  private async verify(key: string, bearer: string | undefined, cookie: string | undefined, now: number): Promise<Credentials> {
    const { session, forward } = splitCookies(cookie);
    let identity: Identity | null = null;
    let expiresAt = now + this.ttl;
    try {
      if (bearer !== undefined) {
        const t = bearer && this.options.verifyApiToken ? await this.options.verifyApiToken(bearer) : null;
        if (t && t.scopes.some((s) => SESSION_SCOPES.has(s))) {
          identity = { userId: t.userId, username: t.username, roles: t.roles, via: "token" };
        }
      } else if (session !== undefined) {
        const d = await this.options.decodeCookie(session);
        if (d && d.exp * 1000 > now) {
          identity = { userId: d.userId, username: d.username, roles: d.roles, via: "cookie" };
          expiresAt = Math.min(expiresAt, d.exp * 1000);
        }
      }
    } catch {
      identity = null; // a decoder that throws is a credential that does not verify
    }
    if (identity === null) expiresAt = now + this.negativeTtl;
    const value: Credentials = { identity, forwardCookie: forward };
    // Anonymous requests without any credential need no cache entry of their own per cookie set.
    if (this.cache.size >= this.max) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(key, { value, expiresAt });
    return value;
  }
}

const SESSION_COOKIE = /^(?:__Secure-)?next-auth\.session-token(?:\.(\d+))?$/;
const PORTAL_COOKIE = /^(?:__Secure-|__Host-)?next-auth\./;

/**
 * Splits a Cookie header into the session token (re-assembled from `.0`, `.1`… chunks, as
 * next-auth writes large tokens) and the cookies that may go to a pod (everything but next-auth's).
 */
export function splitCookies(header: string | undefined): { session: string | undefined; forward: string | undefined } {
  if (!header) return { session: undefined, forward: undefined };
  let whole: string | undefined;
  let secureWhole: string | undefined;
  const chunks: [number, string][] = [];
  const keep: string[] = [];
  for (const part of header.split(";")) {
    const pair = part.trim();
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const name = eq === -1 ? pair : pair.slice(0, eq);
    if (!PORTAL_COOKIE.test(name)) {
      keep.push(pair);
      continue;
    }
    const m = SESSION_COOKIE.exec(name);
    if (!m) continue;
    const value = eq === -1 ? "" : pair.slice(eq + 1);
    if (m[1] !== undefined) chunks.push([Number(m[1]), value]);
    else if (name.startsWith("__Secure-")) secureWhole = value;
    else whole = value;
  }
  let session = secureWhole ?? whole;
  if (session === undefined && chunks.length > 0) {
    chunks.sort((a, b) => a[0] - b[0]);
    // A missing chunk means a truncated token: no session rather than garbage to decrypt.
    if (chunks.every((c, i) => c[0] === i)) session = chunks.map((c) => c[1]).join("");
  }
  return { session: session || undefined, forward: keep.length > 0 ? keep.join("; ") : undefined };
}
