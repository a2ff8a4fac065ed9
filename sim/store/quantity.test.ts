import { describe, it, expect } from "vitest";
import { formatQuantity, isValidQuantity, parseQuantity } from "./quantity";

describe("quantities", () => {
  it("parses decimal, binary and exponent forms into base units", () => {
    expect(parseQuantity("500m")).toBeCloseTo(0.5);
    expect(parseQuantity("2")).toBe(2);
    expect(parseQuantity("1Gi")).toBe(2 ** 30);
    expect(parseQuantity("1.5Gi")).toBe(1.5 * 2 ** 30);
    expect(parseQuantity("10M")).toBe(1e7);
    expect(parseQuantity("1e3")).toBe(1000);
    expect(parseQuantity("100n")).toBeCloseTo(1e-7);
    expect(parseQuantity(".5")).toBe(0.5);
  });

  it("rejects what the API server rejects", () => {
    for (const bad of ["", "abc", "1GB", "1 Gi", "Gi", "1.2.3", "--1"]) expect(isValidQuantity(bad), bad).toBe(false);
    expect(Number.isNaN(parseQuantity("1gi"))).toBe(true);
  });

  it("formats with the largest exact suffix", () => {
    expect(formatQuantity(2 ** 30, "BinarySI")).toBe("1Gi");
    expect(formatQuantity(0.1)).toBe("100m");
    expect(formatQuantity(1500)).toBe("1500");
    expect(formatQuantity(2000)).toBe("2k");
    expect(formatQuantity(0)).toBe("0");
    expect(formatQuantity(3 * 2 ** 20 + 1, "BinarySI")).toBe("3145729");
  });
});
