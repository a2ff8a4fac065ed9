/**
 * Budget decisions, pure. A budget caps a group's weighted GPU-hours per UTC month, for one GPU
 * profile or (profileKey null) for every profile; an optional per-user cap bounds what one member
 * may charge to the group. A new session or job is refused when what was used plus what the request
 * would use over the reservation horizon exceeds a limit: without a horizon a group at 119.9 of 120
 * hours could still start eight GPUs for a week.
 */

export interface BudgetLimit {
  group: string;
  /** null: the budget covers every GPU profile. */
  profileKey: string | null;
  monthlyGpuHours: number;
  /** Per-user cap inside the group's budget, in the same unit; null: none. */
  userCap: number | null;
}

export interface BudgetUsage {
  /** Weighted GPU-hours charged to the group this month (on the budget's profile, if any). */
  groupUsed: number;
  /** Of which charged by the requesting user. */
  userUsed: number;
}

export interface BudgetRequest {
  /** Weighted GPUs requested (gpu count × profile weight). */
  weightedGpus: number;
  /** Hours of the request counted against the budget before it starts. */
  horizonHours: number;
}

export type BudgetDecision =
  | { kind: "allowed" }
  | { kind: "warn"; percent: number; message: string }
  | { kind: "refused"; message: string };

const fmt = (h: number) => (Math.round(h * 10) / 10).toLocaleString("en-US", { maximumFractionDigits: 1 });

function flavour(b: BudgetLimit, unit: string): string {
  return b.profileKey ? `${unit} on ${b.profileKey}` : unit;
}

/** Decides one budget; `unit` names the weighted hour ("A100-hours"). */
export function decideBudget(b: BudgetLimit, used: BudgetUsage, req: BudgetRequest, unit = "A100-hours"): BudgetDecision {
  const need = req.weightedGpus * req.horizonHours;
  if (req.weightedGpus > 0 && used.groupUsed + need > b.monthlyGpuHours) {
    return {
      kind: "refused",
      message: `group ${b.group} has used ${fmt(used.groupUsed)} of ${fmt(b.monthlyGpuHours)} ${flavour(b, unit)} this month; ask an administrator to raise the budget or charge another group.`,
    };
  }
  if (b.userCap !== null && req.weightedGpus > 0 && used.userUsed + need > b.userCap) {
    return {
      kind: "refused",
      message: `you have used ${fmt(used.userUsed)} of your ${fmt(b.userCap)} ${flavour(b, unit)} allowed in group ${b.group} this month.`,
    };
  }
  const percent = b.monthlyGpuHours > 0 ? (used.groupUsed / b.monthlyGpuHours) * 100 : 100;
  if (percent >= 80) {
    return { kind: "warn", percent: Math.floor(percent), message: `group ${b.group} has used ${fmt(used.groupUsed)} of ${fmt(b.monthlyGpuHours)} ${flavour(b, unit)} this month (${Math.floor(percent)} %).` };
  }
  return { kind: "allowed" };
}

/** The most severe of several decisions (refused > warn > allowed); ties keep the first. */
export function worstDecision(ds: readonly BudgetDecision[]): BudgetDecision {
  const rank = { allowed: 0, warn: 1, refused: 2 } as const;
  return ds.reduce<BudgetDecision>((w, d) => (rank[d.kind] > rank[w.kind] ? d : w), { kind: "allowed" });
}
