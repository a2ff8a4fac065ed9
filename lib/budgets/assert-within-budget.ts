import type { Db } from "@/lib/db/prisma";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors/app-error";
import { monthRange } from "@/lib/accounting/gpu-hours";
import { chargeGroupOf, resolveChargeGroup } from "@/lib/accounting/charge-group";
import { decideBudget, worstDecision, type BudgetDecision } from "@/lib/budgets/decide";
import type { UsageSource } from "@/lib/generated/prisma/enums";
import { Prisma } from "@/lib/generated/prisma/client";

/**
 * Budget enforcement at spawn and submit, called INSIDE the transaction that creates the session or
 * job row: a refusal rolls the row back with it. Concurrent GPU requests of a budgeted group are
 * serialised by an advisory lock held until that transaction ends.
 */

export interface BudgetCheckInput {
  userId: string;
  /** Group chosen in the form; null/undefined: the user's default group. */
  group?: string | null;
  /** GPU profile key; null for CPU only (never refused). */
  profileKey: string | null;
  requestedGpus: number;
  /** The session or job being created: the chosen group is recorded for the usage records. */
  charge?: { source: UsageSource; sourceId: string };
  now?: Date;
}

export interface BudgetCheckResult {
  group: string;
  decision: BudgetDecision;
}

/** Weighted GPU-hours used in [from, to): closed records from the monthly rollup, open ones up to now. */
export async function usedInMonth(db: Db, f: { group: string; profileKey: string | null; userId?: string; now: Date }): Promise<number> {
  const { from, to } = monthRange(f.now);
  const month = from.toISOString().slice(0, 10);
  const profile = f.profileKey;
  const user = f.userId ?? null;
  const [closed] = await db.$queryRaw<Array<{ h: number | null }>>`
    SELECT SUM(gpu_hours) AS h FROM usage_monthly
    WHERE month = ${month}::date AND group_charged = ${f.group}
      AND (${profile}::text IS NULL OR profile_key = ${profile}) AND profile_key <> 'cpu'
      AND (${user}::uuid IS NULL OR user_id = ${user}::uuid)`;
  const [open] = await db.$queryRaw<Array<{ h: number | null }>>`
    SELECT SUM(EXTRACT(EPOCH FROM (LEAST(${f.now}::timestamptz, ${to}::timestamptz) - GREATEST(started_at, ${from}::timestamptz))) / 3600 * gpu_count * weight) AS h
    FROM usage_records
    WHERE ended_at IS NULL AND started_at < ${to}::timestamptz AND started_at < ${f.now}::timestamptz AND group_charged = ${f.group}
      AND (${profile}::text IS NULL OR profile_key = ${profile}) AND profile_key IS NOT NULL
      AND (${user}::uuid IS NULL OR user_id = ${user}::uuid)`;
  return Number(closed?.h ?? 0) + Number(open?.h ?? 0);
}

/** Decides without refusing: for banners on the spawn and usage pages. */
export async function checkBudget(db: Db, input: BudgetCheckInput): Promise<BudgetCheckResult> {
  const now = input.now ?? new Date();
  const e = env();
  const user = await db.user.findUniqueOrThrow({ where: { id: input.userId }, select: { id: true, groups: true } });
  const group = await resolveChargeGroup(db, user, input.group);
  const budgets = await db.budget.findMany({ where: { group, profileKey: { in: ["*", ...(input.profileKey ? [input.profileKey] : [])] } } });
  if (budgets.length === 0) return { group, decision: { kind: "allowed" } };
  const profile = input.profileKey ? await db.gpuProfile.findUnique({ where: { key: input.profileKey }, select: { accountingWeight: true } }) : null;
  const weightedGpus = input.profileKey ? input.requestedGpus * (profile?.accountingWeight ?? 1) : 0;
  const decisions: BudgetDecision[] = [];
  for (const b of budgets) {
    const profileKey = b.profileKey === "*" ? null : b.profileKey;
    const groupUsed = await usedInMonth(db, { group, profileKey, now });
    const userUsed = b.userCap === null ? 0 : await usedInMonth(db, { group, profileKey, userId: user.id, now });
    decisions.push(
      decideBudget(
        { group, profileKey, monthlyGpuHours: Number(b.monthlyGpuHours), userCap: b.userCap === null ? null : Number(b.userCap) },
        { groupUsed, userUsed },
        { weightedGpus, horizonHours: e.BUDGET_HORIZON_HOURS },
        e.ACCOUNTING_UNIT,
      ),
    );
  }
  return { group, decision: worstDecision(decisions) };
}

/**
 * Throws AppError QUOTA_EXCEEDED ("group atlas-ml has used 118 of 120 A100-hours this month; …")
 * when a budget of the charged group would be exceeded; otherwise records the charged group for
 * the new session or job and returns the decision (a warning at ≥ 80 % included).
 *
 * The per-group advisory lock (and the usage sums) are taken only when the request has GPUs and a
 * budget row exists for the group (its profile or "*"), found by one lookup on the unique
 * (group, profile_key) index: an unbudgeted group's spawns must not queue behind each other, and
 * CPU-only work is never refused. A budget created after the lookup but before commit is missed by
 * at most the requests already in flight — the same race an admin edit has with any spawn.
 */
export async function assertWithinBudget(tx: Db, input: BudgetCheckInput & { userGroups?: readonly string[] }): Promise<BudgetCheckResult> {
  const user = input.userGroups
    ? { id: input.userId, groups: input.userGroups }
    : await tx.user.findUniqueOrThrow({ where: { id: input.userId }, select: { id: true, groups: true } });
  const group = await chargeGroupOf(tx, user, input.group);
  const result = await assertGroupBudget(tx, { ...input, group });
  if (input.charge) {
    await tx.$executeRaw(chargeUpsertSql(input.charge.source, input.charge.sourceId, group));
  }
  return result;
}

/**
 * The budget part of assertWithinBudget for a group already resolved: takes the group's lock and
 * sums its usage only for a GPU request of a group that has a budget row; throws QUOTA_EXCEEDED on
 * refusal. Session spawns call it directly when their one-statement insert found a budget
 * (lib/sessions/spawn-session.ts).
 */
export async function assertGroupBudget(tx: Db, input: BudgetCheckInput & { group: string }): Promise<BudgetCheckResult> {
  const { group } = input;
  let result: BudgetCheckResult = { group, decision: { kind: "allowed" } };
  if (input.requestedGpus > 0 && input.profileKey) {
    const budgeted = await tx.budget.findFirst({ where: { group, profileKey: { in: ["*", input.profileKey] } }, select: { id: true } });
    if (budgeted) {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`ai-hub:budget:${group}`}))`;
      result = await checkBudget(tx, input);
    }
  }
  if (result.decision.kind === "refused") {
    const message = result.decision.message;
    throw new AppError("QUOTA_EXCEEDED", message, { fields: { chargeGroup: message } });
  }
  return result;
}

/**
 * The usage_charges row that records which group a session or job is charged to. Callers that
 * insert their own row in one statement use it as a CTE (`WITH charge AS (…) INSERT …`).
 */
export function chargeUpsertSql(source: UsageSource, sourceId: string, group: string): Prisma.Sql {
  return Prisma.sql`INSERT INTO usage_charges (source, source_id, group_charged) VALUES (${source}::"UsageSource", ${sourceId}::uuid, ${group})
    ON CONFLICT (source, source_id) DO UPDATE SET group_charged = EXCLUDED.group_charged`;
}
