import type { KubeObject, Store } from "../store/types";
import { GR } from "./api-types";
import { rfc3339, setCondition, type Condition } from "./conditions";
import { frKey, type FlavorModel } from "./model";
import { quantityString, quotaOf } from "./quota";
import { isAdmitted, reservedUsage } from "./workload-status";
import type { CycleResult } from "./scheduler";
import { deepCopy } from "../store/copy";

/** Flavors a ClusterQueue names that do not exist (Active=False, reason FlavorNotFound). */
export function missingFlavors(cq: KubeObject, flavors: Map<string, FlavorModel>): string[] {
  const names: string[] = (cq.spec?.resourceGroups ?? []).flatMap((g: { flavors?: { name: string }[] }) => (g.flavors ?? []).map((f) => f.name));
  return [...new Set(names.filter((n) => !flavors.has(n)))].sort();
}

function writeIfChanged(store: Store, gr: string, obj: KubeObject, next: Record<string, unknown>, conds: Omit<Condition, "lastTransitionTime">[], now: string): void {
  const conditions: Condition[] = deepCopy(obj.status?.conditions ?? []);
  let changed = false;
  for (const c of conds) changed = setCondition(conditions, c, now) || changed;
  for (const [k, v] of Object.entries(next)) if (JSON.stringify(obj.status?.[k]) !== JSON.stringify(v)) changed = true;
  if (!changed) return;
  try {
    store.mutate(gr, obj.metadata.namespace, obj.metadata.name!, (o) => {
      o.status = { ...(o.status ?? {}), ...next, conditions };
    }, { subresource: "status" });
  } catch (e) {
    if ((e as { code?: number }).code !== 404) throw e;
  }
}

/** ClusterQueue and LocalQueue status as Kueue's queue controllers keep it (reference §1.3, §1.4). */
export function updateQueueStatus(store: Store, r: CycleResult, nowMs: number): void {
  const now = rfc3339(nowMs);
  const live = r.workloads.filter((w) => !w.metadata.deletionTimestamp && !w.status?.conditions?.some((c: Condition) => c.type === "Finished" && c.status === "True"));
  const reserving = new Map<string, KubeObject[]>();
  for (const w of live) {
    const cq = w.status?.admission?.clusterQueue;
    if (cq) reserving.set(cq, [...(reserving.get(cq) ?? []), w]);
  }
  const sum = (ws: KubeObject[]) => {
    const m = new Map<string, number>();
    for (const w of ws) for (const [k, v] of reservedUsage(w)) m.set(k, (m.get(k) ?? 0) + v);
    return m;
  };
  // Read-only views of the stored (frozen) queues: this runs after every scheduling cycle.
  for (const cqObj of store.listRaw(GR.clusterQueues)) {
    const name = cqObj.metadata.name!;
    const model = r.snapshot.cqs.get(name);
    if (!model) continue;
    const mine = reserving.get(name) ?? [];
    const reserved = sum(mine);
    const used = sum(mine.filter(isAdmitted));
    const flavorsOf = (u: Map<string, number>) => model.groups.flatMap((g) => g.flavors.map((f) => ({
      name: f.name,
      resources: g.covered.map((res) => {
        const total = u.get(frKey(f.name, res)) ?? 0;
        return { name: res, total: quantityString(res, total), borrowed: quantityString(res, Math.max(0, total - (quotaOf(model, f.name, res)?.nominal ?? 0))) };
      }),
    })));
    const missing = missingFlavors(cqObj, r.snapshot.flavors);
    const stopped = (cqObj.spec?.stopPolicy ?? "None") !== "None";
    const active = missing.length
      ? { type: "Active", status: "False" as const, reason: "FlavorNotFound", message: `Can't admit new workloads: references missing ResourceFlavor(s): [${missing.join(" ")}].` }
      : stopped
        ? { type: "Active", status: "False" as const, reason: "Stopped", message: "Can't admit new workloads: ClusterQueue is stopped." }
        : { type: "Active", status: "True" as const, reason: "Ready", message: "Can admit new workloads" };
    writeIfChanged(store, GR.clusterQueues, cqObj, {
      flavorsReservation: flavorsOf(reserved),
      flavorsUsage: flavorsOf(used),
      pendingWorkloads: (r.pending.get(name)?.length ?? 0) + (r.inadmissible.get(name) ?? 0),
      reservingWorkloads: mine.length,
      admittedWorkloads: mine.filter(isAdmitted).length,
    }, [active], now);
  }
  const activeCqs = new Map(store.listRaw(GR.clusterQueues).map((c) => [c.metadata.name!, c.status?.conditions?.find((x: Condition) => x.type === "Active")?.status === "True"]));
  for (const lq of store.listRaw(GR.localQueues)) {
    const ns = lq.metadata.namespace!;
    const cqName = lq.spec?.clusterQueue as string;
    const model = r.snapshot.cqs.get(cqName);
    const mine = live.filter((w) => w.metadata.namespace === ns && w.spec?.queueName === lq.metadata.name);
    const res = mine.filter((w) => w.status?.admission);
    const totals = (u: Map<string, number>) => (model?.groups ?? []).flatMap((g) => g.flavors.map((f) => ({
      name: f.name,
      resources: g.covered.map((x) => ({ name: x, total: quantityString(x, u.get(frKey(f.name, x)) ?? 0) })),
    })));
    const reservedU = sum(res);
    const usedU = sum(res.filter(isAdmitted));
    const active = !model
      ? { type: "Active", status: "False" as const, reason: "ClusterQueueDoesNotExist", message: "Can't submit new workloads to clusterQueue" }
      : !activeCqs.get(cqName)
        ? { type: "Active", status: "False" as const, reason: "ClusterQueueIsInactive", message: "Can't submit new workloads to clusterQueue" }
        : { type: "Active", status: "True" as const, reason: "Ready", message: "Can submit new workloads to localQueue" };
    writeIfChanged(store, GR.localQueues, lq, {
      pendingWorkloads: mine.length - res.length,
      reservingWorkloads: res.length,
      admittedWorkloads: res.filter(isAdmitted).length,
      flavorsReservation: totals(reservedU),
      flavorUsage: totals(usedU),
    }, [active], now);
  }
}
