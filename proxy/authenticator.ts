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
  private readonly cookies = new Map<string, Entry>();
  private readonly tokens = new Map<string, Entry>();
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
    const now = this.now();
    if (auth !== undefined && auth.length > 7 && /^bearer /i.test(auth)) {
      const token = auth.slice(7).trim();
      const hit = this.tokens.get(token);
      // The identity is the token's; the cookies to forward are this request's.
      const forward = splitCookies(headers.cookie).forward;
      if (hit !== undefined && hit.expiresAt > now) return { identity: hit.value.identity, forwardCookie: forward };
      return this.verify(this.tokens, token, token, undefined, now).then((c) => ({ identity: c.identity, forwardCookie: forward }));
    }
    // Keyed by the whole Cookie header (no string building per request): the browser repeats it verbatim.
    const cookie = headers.cookie ?? "";
    const hit = this.cookies.get(cookie);
    if (hit !== undefined && hit.expiresAt > now) return hit.value;
    return this.verify(this.cookies, cookie, undefined, cookie, now);
  }

  private async verify(cache: Map<string, Entry>, key: string, bearer: string | undefined, cookie: string | undefined, now: number): Promise<Credentials> {
    cache.delete(key);
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
    if (cache.size >= this.max) {
      // Bounded: drop the oldest entry (Map keeps insertion order; entries also expire by TTL).
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
    cache.set(key, { value, expiresAt });
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
