import { parseQuantity } from "../store/quantity";
import type { KubeObject, Store } from "../store/types";
import { GR } from "./api-types";
import { findCondition, isTrue, setCondition, type Condition } from "./conditions";
import { frKey, type Usage } from "./model";
import { quantityString, type PodSetAssignment } from "./quota";
import type { PreemptionReason } from "./preemption";

/**
 * Reading and writing Workload status the way Kueue's pkg/workload does: one status update per
 * transition, condition types/reasons/messages as in reference §1.5.
 */
export const FINALIZER = "kueue.x-k8s.io/resource-in-use";

export const isFinished = (wl: KubeObject) => isTrue(wl, "Finished");
export const hasReservation = (wl: KubeObject) => !!wl.status?.admission && isTrue(wl, "QuotaReserved");
export const isEvicted = (wl: KubeObject) => isTrue(wl, "Evicted");
export const isAdmitted = (wl: KubeObject) => hasReservation(wl) && isTrue(wl, "Admitted");

// Stored objects are frozen and replaced on every change, so what is derived from one stays true:
// the scheduler and the queue status read every Workload's usage on every cycle.
const usageOf = new WeakMap<KubeObject, Usage>();

/** Reserved quota of an admitted Workload, per flavor and resource. Shared between callers: read it, never change it. */
export function reservedUsage(wl: KubeObject): Usage {
  const frozen = Object.isFrozen(wl);
  const known = frozen ? usageOf.get(wl) : undefined;
  if (known) return known;
  const u: Usage = new Map();
  for (const ps of wl.status?.admission?.podSetAssignments ?? []) {
    for (const [r, f] of Object.entries((ps.flavors ?? {}) as Record<string, string>)) {
      const v = parseQuantity(ps.resourceUsage?.[r] ?? 0);
      const k = frKey(f, r);
      u.set(k, (u.get(k) ?? 0) + (Number.isFinite(v) ? v : 0));
    }
  }
  if (frozen) usageOf.set(wl, u);
  return u;
}

type StatusFn = (status: { conditions: Condition[]; [k: string]: unknown }) => boolean;

/** Applies `fn` to the Workload's status and writes it only when it changed. */
export function writeStatus(store: Store, wl: KubeObject, fn: StatusFn): KubeObject | undefined {
  let changed = false;
  try {
    return store.mutate(GR.workloads, wl.metadata.namespace, wl.metadata.name!, (o) => {
      o.status ??= {};
      o.status.conditions ??= [];
      changed = fn(o.status);
      if (!changed) throw new NoChange();
    }, { subresource: "status" });
  } catch (e) {
    if (e instanceof NoChange) return undefined;
    if ((e as { code?: number }).code === 404) return undefined;
    throw e;
  }
}
class NoChange extends Error {}

export function setPending(store: Store, wl: KubeObject, reason: "Pending" | "Inadmissible", message: string, now: string): void {
  // Most cycles leave a pending workload's condition as it was: skip the read-modify-write.
  const cur = findCondition(wl.status?.conditions, "QuotaReserved");
  if (cur?.status === "False" && cur.reason === reason && cur.message === message) return;
  // Like Kueue's inadmissible list, a waiting workload is not rewritten for every change in how much
  // more it needs; its message is refreshed when the kind of reason changes.
  const shape = (m: string) => m.replace(/\d+(\.\d+)?[a-zA-Z]*/g, "#");
  if (cur?.status === "False" && cur.reason === reason && cur.message && shape(cur.message) === shape(message)) return;
  writeStatus(store, wl, (s) => setCondition(s.conditions, { type: "QuotaReserved", status: "False", reason, message }, now));
}

export function admit(store: Store, wl: KubeObject, cq: string, assignments: PodSetAssignment[], now: string): KubeObject | undefined {
  return writeStatus(store, wl, (s) => {
    s.admission = {
      clusterQueue: cq,
      podSetAssignments: assignments.map((a) => ({
        name: a.name,
        flavors: a.flavors,
        resourceUsage: Object.fromEntries(Object.entries(a.resourceUsage).map(([r, v]) => [r, quantityString(r, v)])),
        count: a.count,
      })),
    };
    setCondition(s.conditions, { type: "QuotaReserved", status: "True", reason: "QuotaReserved", message: `Quota reserved in ClusterQueue ${cq}` }, now);
    setCondition(s.conditions, { type: "Admitted", status: "True", reason: "Admitted", message: "The workload is admitted" }, now);
    // resetActiveCondition: a new admission turns earlier evictions into history.
    for (const t of ["Evicted", "Preempted"]) {
      const c = findCondition(s.conditions, t);
      if (c?.status === "True") setCondition(s.conditions, { type: t, status: "False", reason: "QuotaReserved", message: `Previously: ${c.message}` }, now);
    }
    return true;
  });
}

export function evict(store: Store, wl: KubeObject, reason: PreemptionReason, message: string, now: string): void {
  writeStatus(store, wl, (s) => {
    let changed = setCondition(s.conditions, { type: "Evicted", status: "True", reason: "Preempted", message }, now);
    changed = setCondition(s.conditions, { type: "Preempted", status: "True", reason, message }, now) || changed;
    return changed;
  });
}

/** `spec.active: false` on a reserving workload: evicted, not requeued until reactivated. */
export function evictDeactivated(store: Store, wl: KubeObject, now: string): void {
  writeStatus(store, wl, (s) => setCondition(s.conditions, { type: "Evicted", status: "True", reason: "Deactivated", message: "The workload is deactivated" }, now));
}

/** Once the evicted workload's pods are gone: quota released, back in the queue. */
export function releaseEvicted(store: Store, wl: KubeObject, now: string): void {
  const evicted = findCondition(wl.status?.conditions, "Evicted");
  writeStatus(store, wl, (s) => {
    delete s.admission;
    setCondition(s.conditions, { type: "QuotaReserved", status: "False", reason: "Pending", message: evicted?.message ?? "" }, now);
    setCondition(s.conditions, { type: "Admitted", status: "False", reason: "NoReservation", message: "The workload has no reservation" }, now);
    const requeue = evicted?.reason === "Preempted" || evicted?.reason === "NodeFailures";
    setCondition(s.conditions, { type: "Requeued", status: requeue ? "True" : "False", reason: evicted?.reason ?? "Preempted", message: evicted?.message ?? "" }, now);
    return true;
  });
}

export function finish(store: Store, wl: KubeObject, reason: "Succeeded" | "Failed", message: string, now: string): void {
  writeStatus(store, wl, (s) => setCondition(s.conditions, { type: "Finished", status: "True", reason, message }, now));
  removeFinalizer(store, wl);
}

export function removeFinalizer(store: Store, wl: KubeObject): void {
  const cur = store.getRaw(GR.workloads, wl.metadata.namespace, wl.metadata.name!);
  if (!cur?.metadata.finalizers?.includes(FINALIZER)) return;
  store.mutate(GR.workloads, wl.metadata.namespace, wl.metadata.name!, (o) => {
    o.metadata.finalizers = (o.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
  });
}
