import { describe, it, expect } from "vitest";
import { encode } from "next-auth/jwt";
import {
  decodeSessionCookie,
  decodeSessionToken,
  parseCookieHeader,
  readSessionCookie,
  sessionCookieName,
} from "@/lib/auth/session-cookie";

const secret = "test-secret-0123456789-0123456789-abcdef";
const payload = { sub: "u1", uid: "u1", username: "alice", name: "Alice Rossi", email: "alice@example.org", groups: ["users/ai-infn"], roles: ["researcher"], idToken: "eyJ.x.y" };

describe("auth: decodeSessionCookie", () => {
  it("round-trips a cookie made by next-auth's encode", async () => {
    const cookie = await encode({ token: payload, secret, maxAge: 3600 });
    const decoded = await decodeSessionCookie(cookie, secret);
    expect(decoded).toMatchObject({ userId: "u1", username: "alice", roles: ["researcher"] });
    expect(decoded!.exp * 1000).toBeGreaterThan(Date.now());
    expect(decoded).not.toHaveProperty("idToken");
  });

  it("rejects a tampered cookie", async () => {
    const cookie = await encode({ token: payload, secret, maxAge: 3600 });
    const parts = cookie.split(".");
    const ciphertext = parts[3]!;
    parts[3] = (ciphertext[0] === "A" ? "B" : "A") + ciphertext.slice(1);
    expect(await decodeSessionCookie(parts.join("."), secret)).toBeNull();
    expect(await decodeSessionCookie(cookie.slice(0, -2), secret)).toBeNull();
    expect(await decodeSessionCookie("not-a-jwe", secret)).toBeNull();
    expect(await decodeSessionCookie("", secret)).toBeNull();
  });

  it("rejects a cookie encrypted with another secret", async () => {
    const cookie = await encode({ token: payload, secret: "another-secret-0123456789-0123456789-xyz", maxAge: 3600 });
    expect(await decodeSessionCookie(cookie, secret)).toBeNull();
  });

  it("rejects an expired cookie", async () => {
    const cookie = await encode({ token: payload, secret, maxAge: -60 });
    expect(await decodeSessionCookie(cookie, secret)).toBeNull();
  });

  it("rejects a valid token that lacks the portal's fields", async () => {
    const cookie = await encode({ token: { sub: "x", name: "someone" }, secret, maxAge: 3600 });
    expect(await decodeSessionToken(cookie, secret)).toBeNull();
  });
});

describe("auth: session cookie names and chunks", () => {
  it("names the cookie by scheme", () => {
    expect(sessionCookieName(true)).toBe("__Secure-next-auth.session-token");
    expect(sessionCookieName(false)).toBe("next-auth.session-token");
  });

  const cases: { name: string; header: string; secure: boolean; want: string | null }[] = [
    { name: "whole cookie", header: "a=1; next-auth.session-token=abc; b=2", secure: false, want: "abc" },
    { name: "secure name", header: "__Secure-next-auth.session-token=xyz", secure: true, want: "xyz" },
    { name: "secure name not read on http", header: "__Secure-next-auth.session-token=xyz", secure: false, want: null },
    { name: "chunks joined in numeric order", header: "next-auth.session-token.1=BB; next-auth.session-token.10=KK; next-auth.session-token.0=AA; next-auth.session-token.2=CC; next-auth.session-token.3=D; next-auth.session-token.4=E; next-auth.session-token.5=F; next-auth.session-token.6=G; next-auth.session-token.7=H; next-auth.session-token.8=I; next-auth.session-token.9=J", secure: false, want: "AABBCCDEFGHIJKK" },
    { name: "missing chunk means no session", header: "next-auth.session-token.0=AA; next-auth.session-token.2=CC", secure: false, want: null },
    { name: "no cookie", header: "", secure: false, want: null },
    { name: "other cookies with a similar prefix ignored", header: "next-auth.session-token-old=zz", secure: false, want: null },
  ];
  for (const c of cases) {
    it(c.name, () => expect(readSessionCookie(parseCookieHeader(c.header), c.secure)).toBe(c.want));
  }

  it("a chunked real token decodes", async () => {
    const big = await encode({ token: { ...payload, idToken: "x".repeat(5000) }, secret, maxAge: 3600 });
    const header = [big.slice(0, 3000), big.slice(3000)].map((v, i) => `next-auth.session-token.${i}=${v}`).join("; ");
    const value = readSessionCookie(parseCookieHeader(header), false)!;
    expect(await decodeSessionCookie(value, secret)).toMatchObject({ username: "alice" });
  });
});
