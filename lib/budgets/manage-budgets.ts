import { z } from "zod";
import type { getPrisma } from "@/lib/db/prisma";
import { AppError } from "@/lib/errors/app-error";
import { recordAudit } from "@/lib/audit/record-audit";
import { monthRange } from "@/lib/accounting/gpu-hours";
import { usedInMonth } from "@/lib/budgets/assert-within-budget";

/** Admin edits of monthly budgets, audited. Numbers arrive as form strings: parsed here, errors per field. */

const hours = (what: string) =>
  z
    .string()
    .trim()
    .min(1, `${what} is required`)
    .refine((s) => /^\d+(\.\d{1,2})?$/.test(s), `${what} must be a number of hours ≥ 0 (at most two decimals)`)
    .transform(Number)
    .refine((n) => n <= 10_000_000, `${what} is too large`);

export const budgetInputSchema = z.object({
  group: z.string().trim().min(1, "group is required").max(200).regex(/^[^\s]+$/, "group must not contain spaces"),
  /** "*" (every GPU profile) or a profile key. */
  profileKey: z.string().trim().min(1).max(100).default("*"),
  monthlyGpuHours: hours("the monthly budget"),
  userCap: z.string().trim().optional().transform((s) => (s ? s : undefined)).pipe(hours("the per-user cap").optional()),
});
export type BudgetInput = z.input<typeof budgetInputSchema>;

type Prisma = ReturnType<typeof getPrisma>;

export async function saveBudget(db: Prisma, actor: { id: string; username: string }, raw: unknown) {
  const input = budgetInputSchema.parse(raw);
  if (input.profileKey !== "*" && !(await db.gpuProfile.findUnique({ where: { key: input.profileKey } }))) {
    throw new AppError("INVALID", `Unknown GPU profile ${input.profileKey}.`, { fields: { profileKey: `unknown GPU profile ${input.profileKey}` } });
  }
  if (input.userCap !== undefined && input.userCap > input.monthlyGpuHours) {
    throw new AppError("INVALID", "The per-user cap cannot exceed the group's budget.", { fields: { userCap: "cannot exceed the monthly budget" } });
  }
  const data = { monthlyGpuHours: input.monthlyGpuHours, userCap: input.userCap ?? null, createdBy: actor.username };
  return db.$transaction(async (tx) => {
    const b = await tx.budget.upsert({ where: { group_profileKey: { group: input.group, profileKey: input.profileKey } }, create: { group: input.group, profileKey: input.profileKey, ...data }, update: data });
    await recordAudit({ actorId: actor.id, actorLabel: actor.username, action: "budget.save", targetType: "budget", targetId: b.id, details: { group: input.group, profileKey: input.profileKey, monthlyGpuHours: input.monthlyGpuHours, userCap: input.userCap ?? null } }, tx);
    return b;
  });
}

export async function deleteBudget(db: Prisma, actor: { id: string; username: string }, id: string): Promise<void> {
  const parsed = z.uuid().safeParse(id);
  if (!parsed.success) throw new AppError("NOT_FOUND", "No such budget.");
  await db.$transaction(async (tx) => {
    const n = await tx.budget.deleteMany({ where: { id: parsed.data } });
    if (n.count === 0) throw new AppError("NOT_FOUND", "No such budget.");
    await recordAudit({ actorId: actor.id, actorLabel: actor.username, action: "budget.delete", targetType: "budget", targetId: parsed.data }, tx);
  });
}

export interface BudgetRow {
  id: string;
  group: string;
  profileKey: string;
  monthlyGpuHours: number;
  userCap: number | null;
  used: number;
  percent: number;
  updatedAt: Date;
  createdBy: string;
}

/** Every budget with this month's use. */
export async function listBudgets(db: Prisma, now: Date = new Date()): Promise<{ month: string; budgets: BudgetRow[] }> {
  const rows = await db.budget.findMany({ orderBy: [{ group: "asc" }, { profileKey: "asc" }] });
  const budgets: BudgetRow[] = [];
  for (const b of rows) {
    const used = await usedInMonth(db, { group: b.group, profileKey: b.profileKey === "*" ? null : b.profileKey, now });
    const limit = Number(b.monthlyGpuHours);
    budgets.push({ id: b.id, group: b.group, profileKey: b.profileKey, monthlyGpuHours: limit, userCap: b.userCap === null ? null : Number(b.userCap), used, percent: limit > 0 ? (used / limit) * 100 : 100, updatedAt: b.updatedAt, createdBy: b.createdBy });
  }
  return { month: monthRange(now).from.toISOString().slice(0, 7), budgets };
}
