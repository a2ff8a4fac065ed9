/**
 * GPU-hour arithmetic, pure. A usage interval holds `gpuCount` devices of a profile whose
 * accounting weight says what fraction of a reference GPU (an A100) one device is: a `1g.10gb`
 * slice weighs 1/7, so one slice for seven hours is one A100-hour. Every boundary is UTC, so a
 * month is the same month for every user and for the database's date_trunc.
 */

export interface UsageInterval {
  startedAt: Date;
  /** null: still open, counted up to `now`. */
  endedAt: Date | null;
  gpuCount: number;
  weight: number;
}

export type Granularity = "day" | "week" | "month";

const HOUR_MS = 3_600_000;

/** The effective end of an interval: its end, or `now` while open (never before its start). */
export function effectiveEnd(i: Pick<UsageInterval, "startedAt" | "endedAt">, now: Date): Date {
  const end = i.endedAt ?? now;
  return end < i.startedAt ? i.startedAt : end;
}

/** Weighted GPU-hours of one interval inside [from, to). */
export function weightedGpuHours(i: UsageInterval, from: Date, to: Date, now: Date): number {
  const start = Math.max(i.startedAt.getTime(), from.getTime());
  const end = Math.min(effectiveEnd(i, now).getTime(), to.getTime());
  if (end <= start) return 0;
  return ((end - start) / HOUR_MS) * i.gpuCount * i.weight;
}

/** Start (UTC) of the day, ISO week (Monday) or month containing `d`. */
export function bucketStart(d: Date, g: Granularity): Date {
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  if (g === "month") return new Date(Date.UTC(y, m, 1));
  const day = new Date(Date.UTC(y, m, d.getUTCDate()));
  if (g === "day") return day;
  const sinceMonday = (day.getUTCDay() + 6) % 7;
  return new Date(day.getTime() - sinceMonday * 24 * HOUR_MS);
}

/** Start of the bucket after the one starting at `start`. */
export function nextBucket(start: Date, g: Granularity): Date {
  if (g === "month") return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
  return new Date(start.getTime() + (g === "day" ? 1 : 7) * 24 * HOUR_MS);
}

/** Bucket label as the pages and the CSV show it: 2026-03-01 for days and weeks, 2026-03 for months. */
export function bucketLabel(start: Date, g: Granularity): string {
  const iso = start.toISOString();
  return g === "month" ? iso.slice(0, 7) : iso.slice(0, 10);
}

export interface Bucket {
  start: Date;
  label: string;
  gpuHours: number;
}

/** Every bucket overlapping [from, to), zeros included, with the intervals' weighted GPU-hours split at bucket boundaries. */
export function splitGpuHours(intervals: readonly UsageInterval[], opts: { from: Date; to: Date; now: Date; granularity: Granularity }): Bucket[] {
  const { from, to, now, granularity: g } = opts;
  const buckets: Bucket[] = [];
  for (let s = bucketStart(from, g); s < to; s = nextBucket(s, g)) {
    buckets.push({ start: s, label: bucketLabel(s, g), gpuHours: 0 });
  }
  for (const i of intervals) {
    for (const b of buckets) {
      const lo = b.start < from ? from : b.start;
      const next = nextBucket(b.start, g);
      const hi = next > to ? to : next;
      b.gpuHours += weightedGpuHours(i, lo, hi, now);
    }
  }
  return buckets;
}

/** Start of the UTC month containing `d`, and of the next one: the budget period. */
export function monthRange(d: Date): { from: Date; to: Date } {
  const from = bucketStart(d, "month");
  return { from, to: nextBucket(from, "month") };
}

/** Rounds for display and CSV: GPU-hours to 0.01 h (36 s), enough for any bill. */
export function roundHours(h: number): number {
  return Math.round(h * 100) / 100;
}
