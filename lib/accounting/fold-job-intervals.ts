import type { PrismaClient } from "@/lib/generated/prisma/client";
import { closeUsageRecord } from "@/lib/accounting/usage-store";

/**
 * Mirrors the batch controller's BatchJobIntervals (one per admitted-and-running interval of a
 * job; a preemption closes one and a re-admission opens the next) as usage records with source
 * "job": the (source, sourceId, startedAt) key makes the fold idempotent, and every close goes
 * through closeUsageRecord so the rollups count it once. Memory is the job's per-trial memory
 * scaled by the interval's CPU share, since intervals record CPU but not memory.
 */
export async function foldJobIntervals(db: PrismaClient, now: Date = new Date()): Promise<{ opened: number; closed: number }> {
  const opened = await db.$executeRaw`
    INSERT INTO usage_records (id, user_id, group_charged, profile_key, gpu_model, gpu_count, weight, cpu, memory_gib, started_at, last_seen_at, source, source_id)
    SELECT gen_random_uuid(), i.user_id,
      COALESCE(c.group_charged, CASE WHEN p.default_group = ANY(u.groups) THEN p.default_group END, u.groups[1], 'unassigned'),
      NULLIF(i.flavor, 'cpu'), NULL, i.gpu_count,
      CASE WHEN i.flavor = 'cpu' THEN 0 ELSE COALESCE(gp.accounting_weight, 1) END,
      i.cpu, j.memory_gib * GREATEST(1, i.cpu / NULLIF(j.cpu, 0)), i.started_at, ${now}, 'job'::"UsageSource", i.job_id
    FROM batch_job_intervals i
    JOIN batch_jobs j ON j.id = i.job_id
    JOIN users u ON u.id = i.user_id
    LEFT JOIN usage_charges c ON c.source = 'job' AND c.source_id = i.job_id
    LEFT JOIN user_accounting_prefs p ON p.user_id = i.user_id
    LEFT JOIN gpu_profiles gp ON gp.key = i.flavor
    WHERE NOT EXISTS (SELECT 1 FROM usage_records r WHERE r.source = 'job' AND r.source_id = i.job_id AND r.started_at = i.started_at)
    ON CONFLICT (source, source_id, started_at) DO NOTHING`;
  await db.$executeRaw`
    UPDATE usage_records r SET last_seen_at = ${now}
    FROM batch_job_intervals i
    WHERE r.source = 'job' AND r.ended_at IS NULL AND i.job_id = r.source_id AND i.started_at = r.started_at AND i.ended_at IS NULL`;
  const toClose = await db.$queryRaw<Array<{ id: string; ended_at: Date; end_reason: string | null }>>`
    SELECT r.id, i.ended_at, i.end_reason
    FROM usage_records r JOIN batch_job_intervals i ON i.job_id = r.source_id AND i.started_at = r.started_at
    WHERE r.source = 'job' AND r.ended_at IS NULL AND i.ended_at IS NOT NULL
    UNION ALL
    -- The job (and its intervals) was deleted: end at the last time its interval was seen open.
    SELECT r.id, r.last_seen_at, 'job deleted'
    FROM usage_records r
    WHERE r.source = 'job' AND r.ended_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM batch_job_intervals i WHERE i.job_id = r.source_id AND i.started_at = r.started_at)`;
  let closed = 0;
  for (const r of toClose) if (await closeUsageRecord(db, r.id, r.ended_at, r.end_reason ?? "interval ended")) closed++;
  return { opened, closed };
}
