import { recordEvent } from "../runtime/events";
import type { KubeObject, SimContext } from "../store/types";
import { GR } from "./api-types";
import { findCondition, rfc3339 } from "./conditions";
import { clusterQueueModel, flavorModel, matchesSelector, workloadModel, type ClusterQueueModel, type WorkloadModel } from "./model";
import { addUsage, assignFlavors, type Snapshot } from "./quota";
import { findTargets, preemptionMessage, queueOrder, type AdmittedWorkload } from "./preemption";
import { admit, evict, evictDeactivated, hasReservation, isEvicted, isFinished, releaseEvicted, reservedUsage, setPending } from "./workload-status";
import { missingFlavors } from "./queue-status";
import { KueueCounters } from "./kueue-counters";

/** Real milliseconds between the starts of two scheduling cycles at most. */
const MIN_CYCLE_GAP_MS = 5;

/** What a cycle reads from the status of one Workload version. */
interface WorkloadFacts {
  finished: boolean;
  reserved: boolean;
  evicted: boolean;
  /** When quota was reserved (ms), for preemption order. */
  reservedAt: number;
}

// Stored objects are frozen and replaced on every change, and a cycle walks every Workload:
// their facts are derived once per version.
const factsOf = new WeakMap<KubeObject, WorkloadFacts>();

function facts(wl: KubeObject): WorkloadFacts {
  const frozen = Object.isFrozen(wl);
  let f = frozen ? factsOf.get(wl) : undefined;
  if (!f) {
    const reserved = hasReservation(wl);
    f = {
      finished: isFinished(wl),
      reserved,
      evicted: isEvicted(wl),
      reservedAt: reserved ? Date.parse(findCondition(wl.status.conditions, "QuotaReserved")?.lastTransitionTime ?? "") || 0 : 0,
    };
    if (frozen) factsOf.set(wl, f);
  }
  return f;
}

export interface PendingEntry {
  wl: KubeObject;
  model: WorkloadModel;
  localQueue: string;
}

export interface CycleResult {
  snapshot: Snapshot;
  /** Pending workloads per ClusterQueue in queue order (visibility API). */
  pending: Map<string, PendingEntry[]>;
  inadmissible: Map<string, number>;
  workloads: KubeObject[];
}

export interface SchedulerHooks {
  /** Whether no pod of the workload's owner remains, so an evicted workload's quota may be released. */
  podsGone(wl: KubeObject): boolean;
  /** Whether the object that owns the workload is gone or going (never admit for it). */
  ownerGone(wl: KubeObject): boolean;
  /** Resources Kueue ignores (Configuration resources.excludeResourcePrefixes). */
  excluded(resource: string): boolean;
  /** Called after each cycle (queue status, metrics). */
  afterCycle(r: CycleResult): void;
}

/**
 * Kueue's scheduler loop, run whenever a watched object changes (coalesced): release quota of
 * evicted workloads whose pods are gone, then walk pending workloads in queue order (priority, then
 * creation time) admitting what fits, preempting where the ClusterQueue's policy allows, and
 * writing Kueue's pending messages on the rest. StrictFIFO queues stop at their first blocked head.
 */
export class KueueScheduler {
  private scheduled = false;
  private stopped = false;
  private lastCycleAt = 0;
  /** Informer-style cache of Workloads kept by a watch, so a cycle does not copy every object. */
  private readonly cache = new Map<string, KubeObject>();
  private readonly unwatch: () => void;
  last: CycleResult | undefined;
  readonly counters = new KueueCounters();

  constructor(private readonly ctx: SimContext, private readonly hooks: SchedulerHooks) {
    const key = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;
    for (const w of ctx.store.listRaw(GR.workloads)) this.cache.set(key(w), w);
    this.unwatch = ctx.store.watch(GR.workloads, (ev) => {
      if (ev.type === "BOOKMARK") return;
      if (ev.type === "DELETED") this.cache.delete(key(ev.object));
      else this.cache.set(key(ev.object), ev.object);
      this.trigger();
    }, { raw: true });
  }

  /** Schedules a cycle; bursts of changes coalesce, and cycles run at most every few milliseconds like Kueue's loop. */
  trigger(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    const run = () => {
      this.scheduled = false;
      if (this.stopped) return;
      try {
        this.cycle();
      } catch (e) {
        this.ctx.log.error("kueue scheduling cycle failed", { err: String(e), stack: (e as Error).stack });
        setTimeout(() => this.trigger(), 100);
      }
      this.lastCycleAt = performance.now();
    };
    const wait = this.lastCycleAt + MIN_CYCLE_GAP_MS - performance.now();
    if (wait > 0) setTimeout(run, wait);
    else setImmediate(run);
  }

  stop(): void {
    this.stopped = true;
    this.unwatch();
  }

  private now(): string {
    return rfc3339(this.ctx.clock.now());
  }

  cycle(): CycleResult {
    const { store } = this.ctx;
    const now = this.now();
    // Read-only views of the stored (frozen) objects: a cycle runs after every change.
    const flavors = new Map(store.listRaw(GR.flavors).map((f) => [f.metadata.name!, flavorModel(f)]));
    const cqObjs = store.listRaw(GR.clusterQueues);
    const cqs = new Map<string, ClusterQueueModel>(cqObjs.map((c) => [c.metadata.name!, clusterQueueModel(c)]));
    const inactive = new Set(cqObjs.filter((c) => missingFlavors(c, flavors).length > 0 || (c.spec?.stopPolicy ?? "None") !== "None").map((c) => c.metadata.name!));
    const lqs = new Map(store.listRaw(GR.localQueues).map((q) => [`${q.metadata.namespace}/${q.metadata.name}`, q]));
    const nsLabels = new Map(store.listRaw("namespaces").map((n) => [n.metadata.name!, n.metadata.labels ?? {}]));
    const snapshot: Snapshot = { cqs, flavors, usage: new Map() };
    const workloads = [...this.cache.values()];
    const admitted: AdmittedWorkload[] = [];
    const pending: PendingEntry[] = [];
    const inadmissible = new Map<string, number>();

    for (const wl of workloads) {
      const f = facts(wl);
      if (f.finished || wl.metadata.deletionTimestamp) continue;
      const model = workloadModel(wl, wl.spec?.priority ?? 0);
      if (f.reserved) {
        const cq = wl.status.admission.clusterQueue as string;
        let evicting = f.evicted;
        if (!evicting && wl.spec?.active === false) {
          evictDeactivated(store, wl, now);
          evicting = true;
        }
        if (evicting && this.hooks.podsGone(wl)) {
          releaseEvicted(store, wl, now);
          continue;
        }
        model.clusterQueue = cq;
        const usage = reservedUsage(wl);
        addUsage(snapshot, cq, usage, 1);
        admitted.push({ wl: model, clusterQueue: cq, usage, admittedAt: f.reservedAt, evicting });
        continue;
      }
      if (wl.spec?.active === false || this.hooks.ownerGone(wl)) continue;
      const lqName = wl.spec?.queueName as string | undefined;
      const lq = lqName ? lqs.get(`${wl.metadata.namespace}/${lqName}`) : undefined;
      let blocked: string | undefined;
      if (!lq) blocked = `LocalQueue ${lqName ?? ""} doesn't exist`;
      else if (!cqs.has(lq.spec.clusterQueue)) blocked = `ClusterQueue ${lq.spec.clusterQueue} doesn't exist`;
      else if (inactive.has(lq.spec.clusterQueue)) blocked = `ClusterQueue ${lq.spec.clusterQueue} is inactive`;
      if (blocked) {
        setPending(store, wl, "Inadmissible", blocked, now);
        if (lq) inadmissible.set(lq.spec.clusterQueue, (inadmissible.get(lq.spec.clusterQueue) ?? 0) + 1);
        continue;
      }
      model.clusterQueue = lq!.spec.clusterQueue;
      pending.push({ wl, model, localQueue: lqName! });
    }

    pending.sort((a, b) => queueOrder(a.model, b.model));
    const admittedNow = new Set<PendingEntry>();
    const strictBlocked = new Set<string>();
    for (const p of pending) {
      const cqName = p.model.clusterQueue;
      const cq = cqs.get(cqName)!;
      if (strictBlocked.has(cqName)) {
        // Behind a StrictFIFO head that does not fit: Kueue does not even try them this cycle.
        continue;
      }
      if (!matchesSelector(cq.namespaceSelector, nsLabels.get(p.wl.metadata.namespace!) ?? {})) {
        setPending(store, p.wl, "Pending", "Workload namespace doesn't match ClusterQueue selector", now);
        inadmissible.set(cqName, (inadmissible.get(cqName) ?? 0) + 1);
        continue;
      }
      const r = assignFlavors(snapshot, p.model, cqName, this.hooks.excluded);
      if (r.mode === "Fit") {
        const written = admit(store, p.wl, cqName, r.assignments, now);
        if (written) {
          const waitedS = Math.max(0, (this.ctx.clock.now() - p.model.timestamp) / 1000);
          this.counters.onAdmitted(cqName, p.wl.spec?.priorityClassName ?? "", waitedS);
          const waited = Math.round(waitedS);
          recordEvent(store, this.ctx.clock, written, "Normal", "QuotaReserved", `Quota reserved in ClusterQueue ${cqName}, wait time since queued was ${waited}s`, "kueue-admission");
          recordEvent(store, this.ctx.clock, written, "Normal", "Admitted", `Admitted by ClusterQueue ${cqName}, wait time since reservation was 0s`, "kueue-admission");
          addUsage(snapshot, cqName, r.usage, 1);
          admitted.push({ wl: p.model, clusterQueue: cqName, usage: r.usage, admittedAt: Date.parse(now), evicting: false });
          admittedNow.add(p);
        }
        continue;
      }
      let message = r.message;
      if (r.mode === "Preempt") {
        const targets = findTargets(snapshot, p.model, cqName, r.usage, admitted);
        if (targets) {
          for (const t of targets) {
            const victim = workloads.find((w) => `${w.metadata.namespace}/${w.metadata.name}` === t.victim.wl.key);
            if (victim) {
              evict(store, victim, t.reason, preemptionMessage(p.model, t.reason), now);
              this.counters.onPreempted(cqName, t.reason, t.victim.clusterQueue, victim.spec?.priorityClassName ?? "");
              recordEvent(store, this.ctx.clock, victim, "Normal", "Preempted", preemptionMessage(p.model, t.reason), "kueue-admission");
            }
            t.victim.evicting = true;
          }
          const waiting = targets.length || admitted.filter((a) => a.evicting && (a.clusterQueue === cqName || (cq.cohort && cqs.get(a.clusterQueue)?.cohort === cq.cohort))).length;
          if (waiting) message += `. Pending the preemption of ${waiting} workload(s)`;
        }
      }
      setPending(store, p.wl, "Pending", message, now);
      if (cq.strategy === "StrictFIFO") strictBlocked.add(cqName);
    }
    // What is still pending, per ClusterQueue, in queue order (built once: per-entry copies were quadratic).
    const byCq = new Map<string, PendingEntry[]>();
    for (const p of pending) {
      if (admittedNow.has(p)) continue;
      const list = byCq.get(p.model.clusterQueue);
      if (list) list.push(p);
      else byCq.set(p.model.clusterQueue, [p]);
    }
    const result: CycleResult = { snapshot, pending: byCq, inadmissible, workloads: [...this.cache.values()] };
    this.last = result;
    this.hooks.afterCycle(result);
    return result;
  }
}
