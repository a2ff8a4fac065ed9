import { describe, expect, it } from "vitest";
import { bucketStart, splitGpuHours, weightedGpuHours, type Granularity, type UsageInterval } from "@/lib/accounting/gpu-hours";

const t = (s: string) => new Date(s);
const iv = (start: string, end: string | null, gpuCount = 1, weight = 1): UsageInterval => ({ startedAt: t(start), endedAt: end ? t(end) : null, gpuCount, weight });

describe("accounting: weightedGpuHours", () => {
  const now = t("2026-03-10T12:00:00Z");
  it.each([
    ["whole interval inside the range", iv("2026-03-01T00:00:00Z", "2026-03-01T02:00:00Z"), 2],
    ["clipped at the start of the range", iv("2026-02-28T23:00:00Z", "2026-03-01T01:00:00Z"), 1],
    ["clipped at the end of the range", iv("2026-03-31T23:00:00Z", "2026-04-01T03:00:00Z"), 1],
    ["entirely before the range", iv("2026-02-01T00:00:00Z", "2026-02-02T00:00:00Z"), 0],
    ["two whole GPUs", iv("2026-03-01T00:00:00Z", "2026-03-01T01:30:00Z", 2), 3],
    ["a 1g.10gb slice weighs 1/7 of an A100", iv("2026-03-01T00:00:00Z", "2026-03-01T07:00:00Z", 1, 1 / 7), 1],
    ["a 3g.40gb slice weighs 3/7", iv("2026-03-01T00:00:00Z", "2026-03-01T14:00:00Z", 1, 3 / 7), 6],
    ["open interval counts up to now", iv("2026-03-10T10:00:00Z", null), 2],
    ["open interval starting after now counts nothing", iv("2026-03-10T13:00:00Z", null), 0],
    ["end before start (clock skew) counts nothing", iv("2026-03-02T10:00:00Z", "2026-03-02T09:00:00Z"), 0],
  ])("%s", (_name, interval, hours) => {
    expect(weightedGpuHours(interval, t("2026-03-01T00:00:00Z"), t("2026-04-01T00:00:00Z"), now)).toBeCloseTo(hours, 9);
  });
});

describe("accounting: bucketStart (UTC)", () => {
  it.each<[string, Granularity, string]>([
    ["2026-03-15T23:59:59Z", "day", "2026-03-15T00:00:00.000Z"],
    ["2026-03-15T10:00:00Z", "month", "2026-03-01T00:00:00.000Z"],
    // 2026-03-15 is a Sunday: its ISO week starts on Monday 9 March.
    ["2026-03-15T10:00:00Z", "week", "2026-03-09T00:00:00.000Z"],
    ["2026-03-16T00:00:00Z", "week", "2026-03-16T00:00:00.000Z"],
    // A week spanning the new year.
    ["2027-01-01T05:00:00Z", "week", "2026-12-28T00:00:00.000Z"],
  ])("%s by %s → %s", (d, g, want) => {
    expect(bucketStart(t(d), g).toISOString()).toBe(want);
  });
});

describe("accounting: splitGpuHours across boundaries", () => {
  const now = t("2026-05-01T00:00:00Z");
  it("splits an interval across a month boundary, weighted", () => {
    const b = splitGpuHours([iv("2026-01-31T20:00:00Z", "2026-02-01T04:00:00Z", 2, 0.5)], { from: t("2026-01-01T00:00:00Z"), to: t("2026-03-01T00:00:00Z"), now, granularity: "month" });
    expect(b.map((x) => [x.label, x.gpuHours])).toEqual([["2026-01", 4], ["2026-02", 4]]);
  });

  it("splits by day, zero days included, clipped to the range", () => {
    const b = splitGpuHours([iv("2026-03-01T22:00:00Z", "2026-03-03T01:00:00Z")], { from: t("2026-03-01T23:00:00Z"), to: t("2026-03-04T00:00:00Z"), now, granularity: "day" });
    expect(b.map((x) => [x.label, x.gpuHours])).toEqual([["2026-03-01", 1], ["2026-03-02", 24], ["2026-03-03", 1]]);
  });

  it("splits by ISO week and sums several intervals", () => {
    const b = splitGpuHours(
      [iv("2026-03-08T23:00:00Z", "2026-03-09T01:00:00Z"), iv("2026-03-10T00:00:00Z", "2026-03-10T03:00:00Z", 1, 1 / 7)],
      { from: t("2026-03-02T00:00:00Z"), to: t("2026-03-16T00:00:00Z"), now, granularity: "week" },
    );
    expect(b.map((x) => x.label)).toEqual(["2026-03-02", "2026-03-09"]);
    expect(b[0]!.gpuHours).toBeCloseTo(1, 9);
    expect(b[1]!.gpuHours).toBeCloseTo(1 + 3 / 7, 9);
  });

  it("counts an open interval up to now only", () => {
    const b = splitGpuHours([iv("2026-04-30T18:00:00Z", null)], { from: t("2026-04-01T00:00:00Z"), to: t("2026-06-01T00:00:00Z"), now, granularity: "month" });
    expect(b.map((x) => [x.label, x.gpuHours])).toEqual([["2026-04", 6], ["2026-05", 0]]);
  });

  it("handles a leap-year February", () => {
    const b = splitGpuHours([iv("2028-02-01T00:00:00Z", "2028-03-01T00:00:00Z")], { from: t("2028-01-01T00:00:00Z"), to: t("2028-04-01T00:00:00Z"), now: t("2029-01-01T00:00:00Z"), granularity: "month" });
    expect(b.map((x) => x.gpuHours)).toEqual([0, 29 * 24, 0]);
  });
});
