import { describe, expect, it } from "vitest";
import { deepCopy } from "./copy";

describe("deepCopy", () => {
  it("copies JSON values deeply, keeping undefined properties like structuredClone", () => {
    const src = { a: [1, { b: "x" }, null], c: { d: true, e: undefined }, n: 0 };
    const out = deepCopy(src);
    expect(out).toStrictEqual(structuredClone(src));
    expect(out.a[1]).not.toBe(src.a[1]);
    (out.a[1] as { b: string }).b = "y";
    expect((src.a[1] as { b: string }).b).toBe("x");
    expect(Object.keys(out.c)).toEqual(["d", "e"]);
  });

  it("falls back to structuredClone for non-plain objects", () => {
    const d = new Date(0);
    const out = deepCopy({ when: d });
    expect(out.when).toBeInstanceOf(Date);
    expect(out.when).not.toBe(d);
  });
});
