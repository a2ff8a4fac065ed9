import type { Db } from "@/lib/db/prisma";
import { bucketLabel, bucketStart, nextBucket, splitGpuHours, type Granularity } from "@/lib/accounting/gpu-hours";
import { resolveFilters, type Dimension, type UsageQuery, type UsageScope } from "@/lib/accounting/usage-query";

/**
 * A usage view: weighted GPU-hours per bucket and per key of one dimension. Closed records come
 * from the daily/monthly rollups (written when records close); open records are added live, up
 * to now, so the figures include what runs at this moment.
 */

export interface UsageSeries {
  key: string;
  label: string;
  values: number[];
  total: number;
}

export interface UsageReport {
  from: string;
  to: string;
  groupBy: Granularity;
  by: Dimension;
  buckets: string[];
  series: UsageSeries[];
  total: number;
}

const column: Record<Dimension, string> = { profile: "profile_key", source: "source::text", user: "user_id::text", group: "group_charged" };

export async function usageReport(db: Db, q: UsageQuery, scope: UsageScope, now: Date = new Date()): Promise<UsageReport> {
  const { userId, group } = await resolveFilters(db, q, scope);
  const g = q.groupBy;
  const from = bucketStart(new Date(`${q.from}T00:00:00Z`), g === "month" ? "month" : "day");
  const lastDay = new Date(`${q.to}T00:00:00Z`);
  const to = g === "month" ? nextBucket(bucketStart(lastDay, "month"), "month") : nextBucket(lastDay, "day");
  const buckets: Date[] = [];
  for (let b = bucketStart(from, g); b < to; b = nextBucket(b, g)) buckets.push(b);
  const index = new Map(buckets.map((b, i) => [bucketLabel(b, g), i]));

  const col = column[q.by];
  // Day and week views not split or filtered by user read the per-group rollup (about 1/40 of the rows).
  const table = g === "month" ? "usage_monthly" : q.by !== "user" && !userId ? "usage_daily_group" : "usage_daily";
  const userFilter = table === "usage_daily_group" ? "$3::uuid IS NULL" : "($3::uuid IS NULL OR user_id = $3::uuid)";
  const dateCol = g === "month" ? "month" : "day";
  const bucketExpr = g === "week" ? `date_trunc('week', ${dateCol}::timestamp)::date` : dateCol;
  // Identifiers above are constants of this file; values go through parameters.
  const rows = await db.$queryRawUnsafe<Array<{ b: string; k: string; h: number }>>(
    `SELECT to_char(${bucketExpr}, 'YYYY-MM-DD') AS b, ${col} AS k, SUM(gpu_hours)::float8 AS h FROM ${table}
     WHERE ${dateCol} >= $1::date AND ${dateCol} < $2::date AND profile_key <> 'cpu'
       AND ${userFilter} AND ($4::text IS NULL OR group_charged = $4)
     GROUP BY 1, 2`,
    from.toISOString().slice(0, 10), to.toISOString().slice(0, 10), userId, group,
  );
  const series = new Map<string, number[]>();
  const add = (key: string, bucket: string, h: number) => {
    const i = index.get(bucket);
    if (i === undefined || h === 0) return;
    const v = series.get(key) ?? new Array<number>(buckets.length).fill(0);
    v[i]! += h;
    series.set(key, v);
  };
  // Dates as text: the driver would otherwise turn a date into local midnight.
  for (const r of rows) add(r.k, g === "month" ? r.b.slice(0, 7) : r.b, r.h);

  const open = await db.usageRecord.findMany({
    where: { endedAt: null, startedAt: { lt: to }, profileKey: { not: null }, ...(userId ? { userId } : {}), ...(group ? { groupCharged: group } : {}) },
    select: { userId: true, groupCharged: true, profileKey: true, source: true, startedAt: true, gpuCount: true, weight: true },
  });
  for (const r of open) {
    const key = q.by === "profile" ? r.profileKey! : q.by === "source" ? r.source : q.by === "user" ? r.userId : r.groupCharged;
    for (const b of splitGpuHours([{ ...r, endedAt: null }], { from, to, now, granularity: g })) add(key, b.label, b.gpuHours);
  }

  const labels = new Map<string, string>();
  if (q.by === "user" && series.size > 0) {
    const users = await db.user.findMany({ where: { id: { in: [...series.keys()] } }, select: { id: true, username: true } });
    for (const u of users) labels.set(u.id, u.username);
  }
  const out = [...series.entries()].map(([key, values]) => ({ key, label: labels.get(key) ?? key, values, total: values.reduce((a, b) => a + b, 0) }));
  out.sort((a, b) => b.total - a.total || a.label.localeCompare(b.label));
  return {
    from: q.from, to: q.to, groupBy: g, by: q.by,
    buckets: buckets.map((b) => bucketLabel(b, g)),
    series: out,
    total: out.reduce((a, s) => a + s.total, 0),
  };
}

/** CSV of a report: one row per bucket and key, then a total per key and the grand total. */
export function usageCsv(r: UsageReport, unit: string): string {
  const esc = (s: string) => (/[",\n\r]/.test(s) || /^[=+\-@]/.test(s) ? `"${s.replace(/^([=+\-@])/, "'$1").replace(/"/g, '""')}"` : s);
  const lines = [`${r.groupBy},${r.by},${esc(unit)}`];
  for (const s of r.series) r.buckets.forEach((b, i) => { if (s.values[i]) lines.push(`${b},${esc(s.label)},${s.values[i]!.toFixed(4)}`); });
  for (const s of r.series) lines.push(`total,${esc(s.label)},${s.total.toFixed(4)}`);
  lines.push(`total,all,${r.total.toFixed(4)}`);
  return lines.join("\r\n") + "\r\n";
}
