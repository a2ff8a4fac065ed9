import type { Db } from "@/lib/db/prisma";
import { Prisma, type PrismaClient } from "@/lib/generated/prisma/client";
import { bucketStart, nextBucket, weightedGpuHours, type Granularity } from "@/lib/accounting/gpu-hours";
import type { UsageSource } from "@/lib/generated/prisma/enums";

/**
 * Opening, heartbeating and closing usage records. Closing adds the record's weighted GPU-hours to
 * the daily and monthly rollups in the same transaction, so a record is counted in the rollups
 * exactly once (the `ended_at IS NULL` guard makes a second close a no-op).
 */

export interface OpenUsage {
  userId: string;
  source: UsageSource;
  sourceId: string;
  startedAt: Date;
  profileKey: string | null;
  gpuModel: string | null;
  gpuCount: number;
  weight: number;
  cpu: number;
  memoryGiB: number;
  podName?: string | null;
}

/**
 * The group a new record is charged to: the charge chosen at spawn/submit (`c`), else the user's
 * default (`p`, when still one of their groups), else their first group (`u`).
 */
const chargedGroup = Prisma.sql`COALESCE(c.group_charged, CASE WHEN p.default_group = ANY(u.groups) THEN p.default_group END, u.groups[1], 'unassigned')`;

/**
 * Opens a record unless this holder already has an open one or one with the same start (restarts
 * and repeated informer events are therefore harmless), charged as chargedGroup says.
 */
export async function openUsageRecord(db: Db, u: OpenUsage, now: Date = new Date()): Promise<boolean> {
  const n = await db.$executeRaw`
    INSERT INTO usage_records (id, user_id, group_charged, profile_key, gpu_model, gpu_count, weight, cpu, memory_gib, started_at, last_seen_at, source, source_id, pod_name)
    SELECT gen_random_uuid(), u.id, ${chargedGroup},
      ${u.profileKey}, ${u.gpuModel}, ${u.gpuCount}, ${u.weight}, ${u.cpu}, ${u.memoryGiB}, ${u.startedAt}, ${now}, ${u.source}::"UsageSource", ${u.sourceId}::uuid, ${u.podName ?? null}
    FROM users u
    LEFT JOIN usage_charges c ON c.source = ${u.source}::"UsageSource" AND c.source_id = ${u.sourceId}::uuid
    LEFT JOIN user_accounting_prefs p ON p.user_id = u.id
    WHERE u.id = ${u.userId}::uuid
      AND NOT EXISTS (SELECT 1 FROM usage_records r WHERE r.source = ${u.source}::"UsageSource" AND r.source_id = ${u.sourceId}::uuid AND r.ended_at IS NULL)
    ON CONFLICT (source, source_id, started_at) DO NOTHING`;
  return n === 1;
}

/**
 * openUsageRecord for a session's running pod, what it holds read from the session row in the same
 * statement (one round trip per session start, in a burst of spawns). Nothing is opened unless the
 * session still has this pod. `gpuModel` (the node's GPU product) is recorded for GPU sessions only.
 */
export async function openSessionUsageRecord(db: Db, o: { sessionId: string; podName: string; startedAt: Date; gpuModel: string | null }, now: Date = new Date()): Promise<boolean> {
  const n = await db.$executeRaw`
    INSERT INTO usage_records (id, user_id, group_charged, profile_key, gpu_model, gpu_count, weight, cpu, memory_gib, started_at, last_seen_at, source, source_id, pod_name)
    SELECT gen_random_uuid(), u.id, ${chargedGroup},
      gp.key, CASE WHEN gp.id IS NULL THEN NULL ELSE ${o.gpuModel}::text END, s.gpu_count, COALESCE(gp.accounting_weight, 0), s.cpu, s.memory_gib, ${o.startedAt}, ${now}, 'session'::"UsageSource", s.id, s.pod_name
    FROM sessions s
    JOIN users u ON u.id = s.user_id
    LEFT JOIN gpu_profiles gp ON gp.id = s.profile_id
    LEFT JOIN usage_charges c ON c.source = 'session'::"UsageSource" AND c.source_id = s.id
    LEFT JOIN user_accounting_prefs p ON p.user_id = u.id
    WHERE s.id = ${o.sessionId}::uuid AND s.pod_name = ${o.podName}
      AND NOT EXISTS (SELECT 1 FROM usage_records r WHERE r.source = 'session'::"UsageSource" AND r.source_id = s.id AND r.ended_at IS NULL)
    ON CONFLICT (source, source_id, started_at) DO NOTHING`;
  return n === 1;
}

/** Marks open records as seen running now: after a crash their end is at most one heartbeat late. */
export async function heartbeatUsageRecords(db: Db, ids: readonly string[], now: Date = new Date()): Promise<void> {
  if (ids.length === 0) return;
  await db.usageRecord.updateMany({ where: { id: { in: [...ids] }, endedAt: null }, data: { lastSeenAt: now } });
}

// Dates as 'YYYY-MM-DD' so that the cast to date never depends on the session's TimeZone.
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/** Pieces of [start, end) per UTC bucket, weighted. */
export function splitRecord(r: { startedAt: Date; endedAt: Date; gpuCount: number; weight: number }, g: Granularity): Array<{ bucket: Date; gpuHours: number }> {
  const out: Array<{ bucket: Date; gpuHours: number }> = [];
  for (let b = bucketStart(r.startedAt, g); b < r.endedAt; b = nextBucket(b, g)) {
    out.push({ bucket: b, gpuHours: weightedGpuHours({ ...r, endedAt: r.endedAt }, b, nextBucket(b, g), r.endedAt) });
  }
  return out;
}

/**
 * Closes one open record at `endedAt` (never before its start) and adds it to the rollups.
 * Returns false when it was already closed.
 */
export async function closeUsageRecord(db: PrismaClient, id: string, endedAt: Date, reason: string): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<Array<{ user_id: string; group_charged: string; profile_key: string | null; source: UsageSource; started_at: Date; gpu_count: number; weight: number; ended_at: Date }>>`
      UPDATE usage_records SET ended_at = GREATEST(started_at, ${endedAt}), end_reason = ${reason}
      WHERE id = ${id}::uuid AND ended_at IS NULL
      RETURNING user_id, group_charged, profile_key, source, started_at, gpu_count, weight, ended_at`;
    const r = rows[0];
    if (!r) return false;
    const key = { userId: r.user_id, group: r.group_charged, profile: r.profile_key ?? "cpu", source: r.source };
    const rec = { startedAt: r.started_at, endedAt: r.ended_at, gpuCount: r.gpu_count, weight: r.weight };
    for (const [i, m] of splitRecord(rec, "month").entries()) {
      await tx.$executeRaw`
        INSERT INTO usage_monthly (month, user_id, group_charged, profile_key, source, gpu_hours, records)
        VALUES (${isoDay(m.bucket)}::date, ${key.userId}::uuid, ${key.group}, ${key.profile}, ${key.source}::"UsageSource", ${m.gpuHours}, ${i === 0 ? 1 : 0})
        ON CONFLICT (month, user_id, group_charged, profile_key, source)
        DO UPDATE SET gpu_hours = usage_monthly.gpu_hours + EXCLUDED.gpu_hours, records = usage_monthly.records + EXCLUDED.records`;
    }
    for (const d of splitRecord(rec, "day")) {
      await tx.$executeRaw`
        INSERT INTO usage_daily (day, user_id, group_charged, profile_key, source, gpu_hours)
        VALUES (${isoDay(d.bucket)}::date, ${key.userId}::uuid, ${key.group}, ${key.profile}, ${key.source}::"UsageSource", ${d.gpuHours})
        ON CONFLICT (day, user_id, group_charged, profile_key, source)
        DO UPDATE SET gpu_hours = usage_daily.gpu_hours + EXCLUDED.gpu_hours`;
      await tx.$executeRaw`
        INSERT INTO usage_daily_group (day, group_charged, profile_key, source, gpu_hours)
        VALUES (${isoDay(d.bucket)}::date, ${key.group}, ${key.profile}, ${key.source}::"UsageSource", ${d.gpuHours})
        ON CONFLICT (day, group_charged, profile_key, source)
        DO UPDATE SET gpu_hours = usage_daily_group.gpu_hours + EXCLUDED.gpu_hours`;
    }
    return true;
  });
}

/**
 * Recomputes both rollups from the closed records (repair after manual edits; the benchmark's
 * bulk load). Same arithmetic as closeUsageRecord, in SQL, with the session in UTC.
 */
export async function rebuildRollups(db: PrismaClient): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.$executeRawUnsafe(`SET LOCAL TimeZone = 'UTC'`);
    for (const [table, col, unit, step, extra] of [
      ["usage_monthly", "month", "month", "1 month", true],
      ["usage_daily", "day", "day", "1 day", false],
    ] as const) {
      await tx.$executeRawUnsafe(`DELETE FROM ${table}`);
      await tx.$executeRawUnsafe(`
        INSERT INTO ${table} (${col}, user_id, group_charged, profile_key, source, gpu_hours${extra ? ", records" : ""})
        SELECT g.b::date, r.user_id, r.group_charged, COALESCE(r.profile_key, 'cpu'), r.source,
          SUM(EXTRACT(EPOCH FROM (LEAST(r.ended_at, g.b + interval '${step}') - GREATEST(r.started_at, g.b))) / 3600 * r.gpu_count * r.weight)
          ${extra ? ", COUNT(*) FILTER (WHERE g.b <= r.started_at)" : ""}
        FROM usage_records r
        CROSS JOIN LATERAL generate_series(date_trunc('${unit}', r.started_at), r.ended_at - interval '1 microsecond', interval '${step}') AS g(b)
        WHERE r.ended_at IS NOT NULL AND r.ended_at > r.started_at
        GROUP BY 1, 2, 3, 4, 5`);
    }
    await tx.$executeRawUnsafe(`DELETE FROM usage_daily_group`);
    await tx.$executeRawUnsafe(`
      INSERT INTO usage_daily_group (day, group_charged, profile_key, source, gpu_hours)
      SELECT day, group_charged, profile_key, source, SUM(gpu_hours) FROM usage_daily GROUP BY 1, 2, 3, 4`);
  }, { timeout: 600_000 });
}
