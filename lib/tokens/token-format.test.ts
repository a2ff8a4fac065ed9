import { describe, it, expect } from "vitest";
import { bearerToken, generateApiToken, hashApiToken, looksLikeApiToken } from "@/lib/tokens/token-format";

describe("API token format", () => {
  it("is aih_ + 43 base64url characters, hashed with sha256, prefix kept for display", () => {
    const { token, hash, displayPrefix } = generateApiToken();
    expect(looksLikeApiToken(token)).toBe(true);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).toBe(hashApiToken(token));
    expect(token.startsWith(displayPrefix)).toBe(true);
    expect(displayPrefix).toHaveLength(12);
    expect(generateApiToken().token).not.toBe(token);
  });
  it("reads only well-formed Bearer headers", () => {
    const { token } = generateApiToken();
    expect(bearerToken(`Bearer ${token}`)).toBe(token);
    expect(bearerToken(`bearer ${token}`)).toBe(token);
    expect(bearerToken(`Basic ${token}`)).toBeNull();
    expect(bearerToken("Bearer aih_short")).toBeNull();
    expect(bearerToken(null)).toBeNull();
  });
});
