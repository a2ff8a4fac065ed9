import { formatQuantity } from "../store/quantity";
import { frKey, tolerates, type ClusterQueueModel, type FlavorModel, type ResourceQuota, type Usage, type WorkloadModel } from "./model";

/**
 * Quota arithmetic of Kueue's hierarchical resource nodes (pkg/cache resource_node.go) for one level
 * of cohorts: a ClusterQueue's `guaranteed` quota (nominal − lendingLimit) is its own; the rest is lent
 * to the cohort, which pools what every member lends; `borrowingLimit` caps what a member takes from
 * the pool beyond what it lent.
 */
export interface Snapshot {
  cqs: Map<string, ClusterQueueModel>;
  flavors: Map<string, FlavorModel>;
  /** Reserved quota per ClusterQueue (QuotaReserved workloads, including those being evicted). */
  usage: Map<string, Usage>;
}

export function quotaOf(cq: ClusterQueueModel, flavor: string, resource: string): ResourceQuota | undefined {
  for (const g of cq.groups) for (const f of g.flavors) if (f.name === flavor) return f.resources.get(resource);
  return undefined;
}

const usageOf = (s: Snapshot, cq: string, fr: string) => s.usage.get(cq)?.get(fr) ?? 0;

function guaranteed(qt: ResourceQuota | undefined): number {
  if (!qt) return 0;
  return qt.lendingLimit === undefined ? 0 : Math.max(0, qt.nominal - qt.lendingLimit);
}

function members(s: Snapshot, cohort: string): ClusterQueueModel[] {
  return [...s.cqs.values()].filter((c) => c.cohort === cohort);
}

function cohortQuota(s: Snapshot, cohort: string, flavor: string, resource: string): number {
  let total = 0;
  for (const m of members(s, cohort)) {
    const qt = quotaOf(m, flavor, resource);
    if (qt) total += qt.nominal - guaranteed(qt);
  }
  return total;
}

function cohortUsage(s: Snapshot, cohort: string, flavor: string, resource: string): number {
  let total = 0;
  for (const m of members(s, cohort)) total += Math.max(0, usageOf(s, m.name, frKey(flavor, resource)) - guaranteed(quotaOf(m, flavor, resource)));
  return total;
}

/** What the ClusterQueue can still reserve for (flavor, resource) now. */
export function available(s: Snapshot, cqName: string, flavor: string, resource: string, assumeZeroUsage = false): number {
  const cq = s.cqs.get(cqName)!;
  const qt = quotaOf(cq, flavor, resource);
  const nominal = qt?.nominal ?? 0;
  const used = assumeZeroUsage ? 0 : usageOf(s, cqName, frKey(flavor, resource));
  if (!cq.cohort) return nominal - used;
  const g = guaranteed(qt);
  const local = Math.max(0, g - used);
  let parent = cohortQuota(s, cq.cohort, flavor, resource) - (assumeZeroUsage ? 0 : cohortUsage(s, cq.cohort, flavor, resource));
  if (qt?.borrowingLimit !== undefined) {
    const stored = nominal - g;
    const usedInParent = Math.max(0, used - g);
    parent = Math.min(stored - usedInParent + qt.borrowingLimit, parent);
  }
  return local + parent;
}

export const isBorrowing = (s: Snapshot, cq: ClusterQueueModel, flavor: string, resource: string, extra = 0) =>
  !!cq.cohort && usageOf(s, cq.name, frKey(flavor, resource)) + extra > (quotaOf(cq, flavor, resource)?.nominal ?? 0);

export function quantityString(resource: string, v: number): string {
  return formatQuantity(v, resource === "memory" || resource.endsWith("storage") ? "BinarySI" : "DecimalSI");
}

export interface PodSetAssignment {
  name: string;
  flavors: Record<string, string>;
  /** Totals for the pod set (per-pod requests × count), base units. */
  resourceUsage: Record<string, number>;
  count: number;
}

export type AssignResult =
  | { mode: "Fit"; assignments: PodSetAssignment[]; usage: Usage; borrows: boolean }
  | { mode: "Preempt"; assignments: PodSetAssignment[]; usage: Usage; borrows: boolean; message: string }
  | { mode: "NoFit"; message: string };

type Mode = 0 | 1 | 2; // NoFit < Preempt < Fit
const modeName = ["NoFit", "Preempt", "Fit"] as const;

/**
 * Kueue's flavor assigner (pkg/scheduler/flavorassigner) with the default flavorFungibility
 * (whenCanBorrow: Borrow, whenCanPreempt: TryNextFlavor): per pod set and resource group, the first
 * flavor in order where every requested resource fits; otherwise the first where preemption could help.
 */
export function assignFlavors(s: Snapshot, wl: WorkloadModel, cqName: string, excluded: (r: string) => boolean = () => false): AssignResult {
  const cq = s.cqs.get(cqName)!;
  const assigned: Usage = new Map();
  const assignments: PodSetAssignment[] = [];
  let worst: Mode = 2;
  let borrows = false;
  const messages: string[] = [];
  for (const ps of wl.podSets) {
    const total: Record<string, number> = {};
    for (const [r, v] of Object.entries(ps.requests)) if (!excluded(r)) total[r] = v * ps.count;
    const flavors: Record<string, string> = {};
    const reasons: string[] = [];
    let psMode: Mode = 2;
    const pending = new Set(Object.keys(total));
    for (const r of Object.keys(total)) {
      if (!pending.has(r)) continue;
      const group = cq.groups.find((g) => g.covered.includes(r));
      if (!group) {
        reasons.push(`resource ${r} unavailable in ClusterQueue`);
        psMode = 0;
        pending.delete(r);
        continue;
      }
      const wanted = group.covered.filter((x) => pending.has(x));
      for (const x of wanted) pending.delete(x);
      let best: { flavor: string; mode: Mode; borrow: boolean } | undefined;
      const groupReasons: string[] = [];
      for (const f of group.flavors) {
        const rf = s.flavors.get(f.name);
        if (!rf) continue;
        const conflict = Object.entries(rf.nodeLabels).find(([k, v]) => k in ps.nodeSelector && ps.nodeSelector[k] !== v);
        if (conflict) {
          groupReasons.push(`flavor ${f.name} doesn't match node affinity`);
          continue;
        }
        const taint = rf.nodeTaints.find((t) => t.effect !== "PreferNoSchedule" && !tolerates([...ps.tolerations, ...rf.tolerations], t));
        if (taint) {
          groupReasons.push(`untolerated taint ${taint.key}${taint.value ? "=" + taint.value : ""}:${taint.effect} in flavor ${f.name}`);
          continue;
        }
        let mode: Mode = 2;
        let borrow = false;
        for (const x of wanted) {
          const val = total[x]! + (assigned.get(frKey(f.name, x)) ?? 0);
          const max = available(s, cqName, f.name, x, true);
          if (val > max) {
            groupReasons.push(`insufficient quota for ${x} in flavor ${f.name}, request > maximum capacity (${quantityString(x, val)} > ${quantityString(x, max)})`);
            mode = 0;
            break;
          }
          borrow ||= isBorrowing(s, cq, f.name, x, val);
          const avail = available(s, cqName, f.name, x);
          if (val <= avail) continue;
          groupReasons.push(`insufficient unused quota for ${x} in flavor ${f.name}, ${quantityString(x, val - avail)} more needed`);
          const nominal = quotaOf(cq, f.name, x)?.nominal ?? 0;
          const canPreempt = val <= nominal || cq.borrowWithinCohort.policy !== "Never" || cq.reclaimWithinCohort !== "Never";
          mode = Math.min(mode, canPreempt ? 1 : 0) as Mode;
        }
        if (!best || mode > best.mode) best = { flavor: f.name, mode, borrow };
        if (mode === 2) break;
      }
      if (!best || best.mode === 0) {
        psMode = 0;
        reasons.push(...groupReasons);
        continue;
      }
      if (best.mode === 1) reasons.push(...groupReasons);
      psMode = Math.min(psMode, best.mode) as Mode;
      borrows ||= best.borrow;
      for (const x of wanted) {
        flavors[x] = best.flavor;
        const key = frKey(best.flavor, x);
        assigned.set(key, (assigned.get(key) ?? 0) + total[x]!);
      }
    }
    worst = Math.min(worst, psMode) as Mode;
    if (reasons.length) messages.push(`couldn't assign flavors to pod set ${ps.name}: ${[...new Set(reasons)].sort().join(", ")}`);
    assignments.push({ name: ps.name, flavors, resourceUsage: total, count: ps.count });
    if (psMode === 0) break;
  }
  const message = messages.join("; ");
  if (modeName[worst] === "Fit") return { mode: "Fit", assignments, usage: assigned, borrows };
  if (modeName[worst] === "Preempt") return { mode: "Preempt", assignments, usage: assigned, borrows, message };
  return { mode: "NoFit", message };
}

/** Whether `need` fits the ClusterQueue now; without borrowing it must also stay within nominal quota. */
export function fits(s: Snapshot, cqName: string, need: Usage, allowBorrowing: boolean): boolean {
  const cq = s.cqs.get(cqName)!;
  for (const [k, v] of need) {
    const [f, r] = k.split("\u0000") as [string, string];
    if (v > available(s, cqName, f, r)) return false;
    if (!allowBorrowing && isBorrowing(s, cq, f, r, v)) return false;
  }
  return true;
}

export function addUsage(s: Snapshot, cqName: string, u: Usage, sign: 1 | -1): void {
  let m = s.usage.get(cqName);
  if (!m) s.usage.set(cqName, (m = new Map()));
  for (const [k, v] of u) m.set(k, (m.get(k) ?? 0) + sign * v);
}
