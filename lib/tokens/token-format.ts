import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Personal API tokens: `aih_` + 32 random bytes in base64url. The prefix makes a leaked token
 * recognisable (secret scanners, logs); only the sha256 is stored, so a database dump does not
 * grant access. A sha256 without salt is right here: the token has 256 bits of entropy.
 */
export const TOKEN_PREFIX = "aih_";
export const apiTokenScopes = ["sessions:read", "sessions:write", "sessions:access", "jobs:read", "jobs:write"] as const;
export type ApiTokenScope = (typeof apiTokenScopes)[number];

const TOKEN_RE = /^aih_[A-Za-z0-9_-]{43}$/;

export function generateApiToken(): { token: string; hash: string; displayPrefix: string } {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
  return { token, hash: hashApiToken(token), displayPrefix: token.slice(0, 12) };
}

export function hashApiToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export function looksLikeApiToken(token: string): boolean {
  return TOKEN_RE.test(token);
}

/** The token of an `Authorization: Bearer aih_…` header, or null. */
export function bearerToken(authorization: string | null | undefined): string | null {
  if (!authorization) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return m && looksLikeApiToken(m[1]!) ? m[1]! : null;
}

/** Per-session token shared by the proxy and the pod: 32 random bytes, hex. */
export function generateSessionToken(): string {
  return randomBytes(32).toString("hex");
}

export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
