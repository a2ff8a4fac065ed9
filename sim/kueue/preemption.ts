import { addUsage, fits, isBorrowing, type Snapshot } from "./quota";
import { splitFr, type Usage, type WorkloadModel } from "./model";

/**
 * Kueue's classic preemption (pkg/scheduler/preemption): candidates from the preemptor's own
 * ClusterQueue (withinClusterQueue) and from borrowing ClusterQueues of its cohort
 * (reclaimWithinCohort, borrowWithinCohort), ordered borrowing-queues first, then lowest priority,
 * then most recently admitted; a greedy pass followed by minimisation.
 */
export type PreemptionReason = "InClusterQueue" | "InCohortReclamation" | "InCohortReclaimWhileBorrowing";

export const humanReason: Record<PreemptionReason, string> = {
  InClusterQueue: "prioritization in the ClusterQueue",
  InCohortReclamation: "reclamation within the cohort",
  InCohortReclaimWhileBorrowing: "reclamation within the cohort while borrowing",
};

export interface AdmittedWorkload {
  wl: WorkloadModel;
  clusterQueue: string;
  usage: Usage;
  /** Quota reservation time (ms). */
  admittedAt: number;
  /** Already evicted, quota not yet released. */
  evicting: boolean;
}

export interface Target {
  victim: AdmittedWorkload;
  reason: PreemptionReason;
}

/** The preemption message Kueue writes on Evicted and Preempted conditions. */
export function preemptionMessage(preemptor: WorkloadModel, reason: PreemptionReason): string {
  return `Preempted to accommodate a workload (UID: ${preemptor.uid}, JobUID: ${preemptor.jobUid}) due to ${humanReason[reason]}`;
}

function cloneSnapshot(s: Snapshot): Snapshot {
  return { cqs: s.cqs, flavors: s.flavors, usage: new Map([...s.usage].map(([k, v]) => [k, new Map(v)])) };
}

const uses = (a: AdmittedWorkload, need: Usage) => [...need.keys()].some((k) => (a.usage.get(k) ?? 0) > 0);

/**
 * Targets whose eviction lets `preemptor` (needing `need` in `cqName`) fit: `[]` when the workloads
 * already being evicted will free enough, `null` when no allowed set of victims helps.
 */
export function findTargets(s: Snapshot, preemptor: WorkloadModel, cqName: string, need: Usage, admitted: AdmittedWorkload[]): Target[] | null {
  const cq = s.cqs.get(cqName)!;
  const work = cloneSnapshot(s);
  const inScope = admitted.filter((a) => a.clusterQueue === cqName || (cq.cohort && s.cqs.get(a.clusterQueue)?.cohort === cq.cohort));
  for (const a of inScope) if (a.evicting) addUsage(work, a.clusterQueue, a.usage, -1);
  if (fits(work, cqName, need, true)) return [];

  const candidates = inScope.filter((a) => {
    if (a.evicting || !uses(a, need)) return false;
    const p = a.wl.priority;
    if (a.clusterQueue === cqName) {
      if (cq.withinClusterQueue === "LowerPriority") return p < preemptor.priority;
      if (cq.withinClusterQueue === "LowerOrNewerEqualPriority") return p < preemptor.priority || (p === preemptor.priority && a.wl.timestamp > preemptor.timestamp);
      return false;
    }
    const other = s.cqs.get(a.clusterQueue)!;
    const borrowing = [...need.keys()].some((k) => isBorrowing(s, other, ...splitFr(k)));
    if (!borrowing) return false;
    if (cq.reclaimWithinCohort === "Any") return true;
    if (cq.reclaimWithinCohort === "LowerPriority" && p < preemptor.priority) return true;
    const bwc = cq.borrowWithinCohort;
    return bwc.policy === "LowerPriority" && p < preemptor.priority && (bwc.maxPriorityThreshold === undefined || p <= bwc.maxPriorityThreshold);
  });
  candidates.sort((a, b) => {
    const ao = a.clusterQueue !== cqName ? 0 : 1;
    const bo = b.clusterQueue !== cqName ? 0 : 1;
    return ao - bo || a.wl.priority - b.wl.priority || b.admittedAt - a.admittedAt || a.wl.key.localeCompare(b.wl.key);
  });
  const sameQueueOnly = candidates.every((c) => c.clusterQueue === cqName);
  const attempt = (cands: AdmittedWorkload[], allowBorrowing: boolean): Target[] | null => {
    const w = cloneSnapshot(work);
    const removed: AdmittedWorkload[] = [];
    let ok = false;
    for (const c of cands) {
      if (c.clusterQueue !== cqName) {
        const other = s.cqs.get(c.clusterQueue)!;
        // Reclaiming only takes back what a queue borrowed.
        if (![...need.keys()].some((k) => isBorrowing(w, other, ...splitFr(k)))) continue;
      }
      addUsage(w, c.clusterQueue, c.usage, -1);
      removed.push(c);
      if (fits(w, cqName, need, allowBorrowing)) {
        ok = true;
        break;
      }
    }
    if (!ok) return null;
    // Minimise: put back every victim but the last whose absence is not needed.
    for (let i = removed.length - 2; i >= 0; i--) {
      const c = removed[i]!;
      addUsage(w, c.clusterQueue, c.usage, 1);
      if (fits(w, cqName, need, allowBorrowing)) removed.splice(i, 1);
      else addUsage(w, c.clusterQueue, c.usage, -1);
    }
    return removed.map((victim) => ({
      victim,
      reason: victim.clusterQueue === cqName ? "InClusterQueue" : allowBorrowing && [...need].some(([k, v]) => isBorrowing(w, cq, ...splitFr(k), v)) ? "InCohortReclaimWhileBorrowing" : "InCohortReclamation",
    }));
  };
  if (sameQueueOnly) return attempt(candidates, true);
  const bwcAllowed = cq.borrowWithinCohort.policy !== "Never";
  return attempt(candidates, bwcAllowed) ?? attempt(candidates.filter((c) => c.clusterQueue === cqName), true);
}

/** Queue order: higher priority first, then older queue-order timestamp, then name. */
export function queueOrder(a: WorkloadModel, b: WorkloadModel): number {
  return b.priority - a.priority || a.timestamp - b.timestamp || a.key.localeCompare(b.key);
}
