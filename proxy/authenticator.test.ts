import { describe, expect, it } from "vitest";
import { decodeSessionCookie } from "@/lib/auth/session-cookie";
import { Authenticator, splitCookies, type DecodedSessionCookie } from "./authenticator";
import { cookieFor, SECRET } from "./test-support";

describe("splitCookies", () => {
  it("finds the session cookie and keeps only non-portal cookies for pods", () => {
    expect(splitCookies("a=1; next-auth.session-token=xyz; next-auth.csrf-token=c; __Secure-next-auth.callback-url=u; b=2")).toEqual({ session: "xyz", forward: "a=1; b=2" });
    expect(splitCookies("__Secure-next-auth.session-token=s")).toEqual({ session: "s", forward: undefined });
    expect(splitCookies(undefined)).toEqual({ session: undefined, forward: undefined });
  });

  it("re-assembles chunked tokens in order and refuses incomplete ones", () => {
    expect(splitCookies("next-auth.session-token.1=BB; x=1; next-auth.session-token.0=AA").session).toBe("AABB");
    expect(splitCookies("next-auth.session-token.0=AA; next-auth.session-token.2=CC").session).toBeUndefined();
  });
});

describe("Authenticator", () => {
  const decodes: string[] = [];
  const decodeCookie = (v: string): Promise<DecodedSessionCookie | null> => {
    decodes.push(v);
    return decodeSessionCookie(v, SECRET);
  };

  it("verifies a cookie once per TTL and answers from the cache synchronously", async () => {
    let now = Date.now();
    const auth = new Authenticator({ decodeCookie, ttlMs: 30_000, now: () => now });
    const cookie = await cookieFor({ id: "alice-id", username: "alice" });
    decodes.length = 0;
    const first = await auth.resolve({ cookie });
    expect(first.identity).toMatchObject({ userId: "alice-id", username: "alice", via: "cookie" });
    const second = auth.resolve({ cookie });
    expect(second).not.toBeInstanceOf(Promise);
    expect(decodes).toHaveLength(1);
    now += 31_000;
    expect(auth.resolve({ cookie })).toBeInstanceOf(Promise);
  });

  it("never caches an identity beyond the cookie's own expiry", async () => {
    let now = Date.now();
    const auth = new Authenticator({ decodeCookie, ttlMs: 30_000, now: () => now });
    const cookie = await cookieFor({ id: "alice-id", username: "alice" }, 5);
    expect((await auth.resolve({ cookie })).identity?.username).toBe("alice");
    now += 6_000;
    expect((await auth.resolve({ cookie })).identity).toBeNull();
  });

  it("stays bounded", async () => {
    const auth = new Authenticator({ decodeCookie, maxEntries: 3 });
    for (let i = 0; i < 10; i++) await auth.resolve({ cookie: `next-auth.session-token=bogus${i}` });
    expect((auth as unknown as { cookies: Map<string, unknown> }).cookies.size).toBe(3);
  });
});
