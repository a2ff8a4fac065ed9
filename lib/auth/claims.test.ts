import { describe, it, expect } from "vitest";
import { extractGroups, identityFromClaims, InvalidClaimsError, readClaim } from "@/lib/auth/claims";

describe("auth: extractGroups", () => {
  const cases: { name: string; claims: Record<string, unknown>; path?: string; want: string[] }[] = [
    { name: "IAM groups array", claims: { groups: ["users/ai-infn", "admins/ai-infn"] }, want: ["users/ai-infn", "admins/ai-infn"] },
    { name: "leading slash removed", claims: { groups: ["/users/ai-infn"] }, want: ["users/ai-infn"] },
    { name: "falls back to wlcg.groups", claims: { "wlcg.groups": ["/users/ai-infn", "/cms"] }, want: ["users/ai-infn", "cms"] },
    { name: "configured groups win over the fallback", claims: { groups: ["a"], "wlcg.groups": ["/b"] }, want: ["a"] },
    { name: "literal dotted claim name", claims: { "wlcg.groups": ["/x"], groups: ["y"] }, path: "wlcg.groups", want: ["x"] },
    { name: "nested path", claims: { realm_access: { groups: ["/team"] } }, path: "realm_access.groups", want: ["team"] },
    { name: "deduplicated after normalising", claims: { groups: ["/a", "a", " a ", "b"] }, want: ["a", "b"] },
    { name: "single string claim", claims: { groups: "/solo" }, want: ["solo"] },
    { name: "non-strings and blanks ignored", claims: { groups: ["a", 3, null, "", "/"] }, want: ["a"] },
    { name: "no groups at all", claims: { sub: "x" }, want: [] },
    { name: "wrong type falls back", claims: { groups: { not: "a list" }, "wlcg.groups": ["/z"] }, want: ["z"] },
  ];
  for (const c of cases) {
    it(c.name, () => expect(extractGroups(c.claims, c.path)).toEqual(c.want));
  }

  it("readClaim prefers a literal key over a nested path", () => {
    expect(readClaim({ "a.b": 1, a: { b: 2 } }, "a.b")).toBe(1);
    expect(readClaim({ a: { b: 2 } }, "a.b")).toBe(2);
    expect(readClaim({ a: "str" }, "a.b")).toBeUndefined();
  });
});

describe("auth: identityFromClaims", () => {
  const base = { sub: "2b1c6a5e-0000-4000-8000-000000000001", preferred_username: "alice" };
  const cases: { name: string; claims: Record<string, unknown>; want: Partial<ReturnType<typeof identityFromClaims>> }[] = [
    {
      name: "full IAM claims",
      claims: { ...base, name: "Alice Rossi", email: "alice@example.org", groups: ["users/ai-infn"], "wlcg.groups": ["/users/ai-infn"] },
      want: { subject: base.sub, username: "alice", displayName: "Alice Rossi", email: "alice@example.org", groups: ["users/ai-infn"] },
    },
    { name: "name from given and family", claims: { ...base, given_name: "Alice", family_name: "Rossi" }, want: { displayName: "Alice Rossi" } },
    { name: "name falls back to username", claims: base, want: { displayName: "alice", email: null, groups: [] } },
  ];
  for (const c of cases) {
    it(c.name, () => expect(identityFromClaims(c.claims)).toMatchObject(c.want));
  }

  const bad: { name: string; claims: unknown }[] = [
    { name: "missing sub", claims: { preferred_username: "alice" } },
    { name: "missing preferred_username", claims: { sub: "x" } },
    { name: "username with a slash", claims: { sub: "x", preferred_username: "a/b" } },
    { name: "username with spaces", claims: { sub: "x", preferred_username: "a b" } },
    { name: "not an object", claims: "token" },
  ];
  for (const c of bad) {
    it(`refuses ${c.name}`, () => expect(() => identityFromClaims(c.claims)).toThrow(InvalidClaimsError));
  }

  it("uses the configured groups claim", () => {
    expect(identityFromClaims({ ...base, groups: ["a"], "wlcg.groups": ["/b"] }, "wlcg.groups").groups).toEqual(["b"]);
  });
});
