import { z } from "zod";
import type { Db } from "@/lib/db/prisma";
import { AppError } from "@/lib/errors/app-error";
import type { Granularity } from "@/lib/accounting/gpu-hours";

/**
 * The query string of every usage view (pages, API, CSV): a day range (both ends inclusive, UTC),
 * a granularity and a dimension, optional user and group filters. Ranges are bounded per
 * granularity so that a view never reads more rollup rows than a dashboard can afford.
 */

export const MAX_RANGE_DAYS: Record<Granularity, number> = { day: 92, week: 183, month: 1830 };
export const dimensions = ["profile", "source", "user", "group"] as const;
export type Dimension = (typeof dimensions)[number];

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date such as 2026-03-01").refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), "is not a valid date");

export const usageQuerySchema = z
  .object({
    from: day,
    to: day,
    groupBy: z.enum(["day", "week", "month"]).default("day"),
    by: z.enum(dimensions).default("profile"),
    /** Username. */
    user: z.string().min(1).max(200).optional(),
    group: z.string().min(1).max(200).optional(),
  })
  .superRefine((q, ctx) => {
    const from = Date.parse(`${q.from}T00:00:00Z`);
    const to = Date.parse(`${q.to}T00:00:00Z`);
    if (to < from) ctx.addIssue({ code: "custom", path: ["to"], message: "must not be before from" });
    else if ((to - from) / 86_400_000 + 1 > MAX_RANGE_DAYS[q.groupBy]) {
      ctx.addIssue({ code: "custom", path: ["to"], message: `range too long: at most ${MAX_RANGE_DAYS[q.groupBy]} days by ${q.groupBy}; choose a coarser grouping or a shorter range` });
    }
  });
export type UsageQuery = z.infer<typeof usageQuerySchema>;

/** Parses URLSearchParams (empty values count as absent); throws ZodError naming the field. */
export function parseUsageQuery(params: URLSearchParams | Record<string, string | string[] | undefined>, defaults: { now: Date }): UsageQuery {
  const get = (k: string) => {
    const v = params instanceof URLSearchParams ? params.get(k) : params[k];
    const s = Array.isArray(v) ? v[0] : v;
    return s === null || s === undefined || s === "" ? undefined : s;
  };
  const today = defaults.now.toISOString().slice(0, 10);
  const monthAgo = new Date(defaults.now.getTime() - 29 * 86_400_000).toISOString().slice(0, 10);
  return usageQuerySchema.parse({
    from: get("from") ?? monthAgo,
    to: get("to") ?? today,
    groupBy: get("groupBy"),
    by: get("by"),
    user: get("user"),
    group: get("group"),
  });
}

export interface UsageScope {
  /** The caller; non-admins only ever see their own usage. */
  caller: { id: string; username: string; isAdmin: boolean };
}

/** Resolves user and group filters against the caller's rights; unknown names are 400s naming the field. */
export async function resolveFilters(db: Db, q: UsageQuery, scope: UsageScope): Promise<{ userId: string | null; group: string | null }> {
  let userId: string | null = scope.caller.isAdmin ? null : scope.caller.id;
  if (q.user) {
    const u = await db.user.findUnique({ where: { username: q.user }, select: { id: true } });
    if (!u) throw new AppError("INVALID", `user: no user named ${q.user}`, { fields: { user: `no user named ${q.user}` } });
    if (!scope.caller.isAdmin && u.id !== scope.caller.id) throw new AppError("FORBIDDEN", "You can only see your own usage.", { fields: { user: "you can only see your own usage" } });
    userId = u.id;
  }
  let group: string | null = null;
  if (q.group) {
    const [known] = await db.$queryRaw<Array<{ ok: boolean }>>`
      SELECT EXISTS (SELECT 1 FROM users WHERE ${q.group} = ANY(groups)) OR EXISTS (SELECT 1 FROM usage_monthly WHERE group_charged = ${q.group}) AS ok`;
    if (!known?.ok) throw new AppError("INVALID", `group: no group named ${q.group}`, { fields: { group: `no group named ${q.group}` } });
    group = q.group;
  }
  return { userId, group };
}
