import { describe, expect, it } from "vitest";
import { percentile, percentileOfSorted } from "./stats";

describe("percentile (nearest rank)", () => {
  const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted

  it.each([
    [50, 50],
    [99, 99],
    [100, 100],
    [1, 1],
    [0, 1],
  ])("p%s of 1..100 is %s", (p, want) => {
    expect(percentile(hundred, p)).toBe(want);
  });

  it("small samples: p99 of ten values is the largest, p50 the fifth", () => {
    const ten = [7, 3, 9, 1, 5, 2, 8, 4, 10, 6];
    expect(percentile(ten, 99)).toBe(10);
    expect(percentile(ten, 50)).toBe(5);
  });

  it("no values: NaN; one value: that value", () => {
    expect(percentile([], 99)).toBeNaN();
    expect(percentile([42], 99)).toBe(42);
  });

  it("a sorted typed array works as it is", () => {
    expect(percentileOfSorted(Float64Array.from([1, 2, 3, 4]), 75)).toBe(3);
  });
});
