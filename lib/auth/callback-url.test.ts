import { describe, it, expect } from "vitest";
import { safeCallbackPath } from "@/lib/auth/callback-url";

describe("auth: safeCallbackPath", () => {
  const cases: [unknown, string][] = [
    ["/sessions", "/sessions"],
    ["/sessions?tab=gpu#x", "/sessions?tab=gpu#x"],
    ["/", "/"],
    ["https://evil.example/", "/"],
    ["//evil.example/x", "/"],
    ["/\\evil.example", "/"],
    ["sessions", "/"],
    ["/signin?callbackUrl=/x", "/"],
    ["/api/auth/signout", "/"],
    ["/denied", "/"],
    ["/signing-policy", "/signing-policy"],
    [undefined, "/"],
    [["/a"], "/"],
  ];
  for (const [input, want] of cases) {
    it(`${JSON.stringify(input)} → ${want}`, () => expect(safeCallbackPath(input)).toBe(want));
  }
});
