import { recordEvent } from "../runtime/events";
import type { KubeObject, SimContext } from "../store/types";
import { GR } from "./api-types";
import { findCondition, isTrue, rfc3339 } from "./conditions";
import { JOB_UID_LABEL, PODSET_LABEL, flavorInjection, isNotFound, mergeTolerations, queueNameOf, resolvePriority } from "./owner-common";
import { jobWorkloadName } from "./workload-name";
import { FINALIZER, finish, hasReservation, isAdmitted, isEvicted, isFinished } from "./workload-status";
import { deepCopy } from "../store/copy";

/**
 * Kueue's batch/job integration (reference §1.8): the webhook suspends queued Jobs at create; the
 * reconciler creates the Workload, starts the Job once admitted (flavor node labels and tolerations
 * injected), stops it on eviction (template restored) and finishes the Workload with the Job.
 */
const STOPPING = "kueue.x-k8s.io/stopping";
const jobLabelsNotCopied = ["job-name", "controller-uid", "batch.kubernetes.io/job-name", "batch.kubernetes.io/controller-uid"];

export function startJobIntegration(ctx: SimContext, onChange: () => void): () => void {
  const { store } = ctx;
  const now = () => rfc3339(ctx.clock.now());
  store.addAdmission("batch/jobs", {
    mutate(obj, _old, op) {
      if (op === "CREATE" && queueNameOf(obj)) obj.spec = { ...(obj.spec ?? {}), suspend: true };
    },
  });

  const queue = new Set<string>();
  let scheduled = false;
  const enqueue = (ns: string, name: string) => {
    queue.add(`${ns}/${name}`);
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      const keys = [...queue];
      queue.clear();
      for (const k of keys) {
        const [ns2, n2] = k.split("/") as [string, string];
        try {
          reconcile(ns2, n2);
        } catch (e) {
          ctx.log.error("kueue job reconcile failed", { job: k, err: String(e) });
        }
      }
    });
  };

  function reconcile(ns: string, name: string): void {
    // Read-only here (every write is a mutate or create by name): the stored objects, no copies.
    const job = store.getRaw("batch/jobs", ns, name);
    if (!job || !queueNameOf(job)) return;
    const wlName = jobWorkloadName(name, job.metadata.uid!);
    let wl = store.getRaw(GR.workloads, ns, wlName);
    const finished = ["Complete", "Failed"].find((t) => isTrue(job, t));
    if (!wl) {
      if (finished || job.metadata.deletionTimestamp) return;
      wl = store.create(GR.workloads, workloadFor(job, wlName));
      recordEvent(store, ctx.clock, job, "Normal", "CreatedWorkload", `Created Workload: ${ns}/${wlName}`, "kueue-job-controller");
      onChange();
      return;
    }
    if (finished) {
      if (!isFinished(wl)) {
        const c = findCondition(job.status?.conditions, finished);
        const reason = finished === "Complete" ? "Succeeded" : "Failed";
        finish(store, wl, reason, c?.message || (reason === "Succeeded" ? "Job finished successfully" : "Job failed"), now());
        onChange();
      }
      return;
    }
    if (hasReservation(wl) && isEvicted(wl)) {
      if (!job.spec?.suspend) stop(job, wl, findCondition(wl.status.conditions, "Evicted")?.message ?? "");
      return;
    }
    if (isAdmitted(wl)) {
      if (job.spec?.suspend) {
        start(job, wl);
        recordEvent(store, ctx.clock, job, "Normal", "Started", `Admitted by clusterQueue ${wl.status.admission.clusterQueue}`, "kueue-job-controller");
      }
      return;
    }
    // Running without admission (someone unsuspended it by hand): Kueue suspends it again.
    if (!job.spec?.suspend) stop(job, wl, "Not admitted by cluster queue");
  }

  function workloadFor(job: KubeObject, name: string): KubeObject {
    const template = deepCopy(job.spec?.template ?? {});
    for (const l of jobLabelsNotCopied) delete template.metadata?.labels?.[l];
    const parallelism = job.spec?.parallelism ?? 1;
    const completions = job.spec?.completions ?? parallelism;
    const prio = resolvePriority(store, job, template.spec);
    return {
      apiVersion: "kueue.x-k8s.io/v1beta1",
      kind: "Workload",
      metadata: {
        name,
        namespace: job.metadata.namespace,
        labels: { [JOB_UID_LABEL]: job.metadata.uid! },
        finalizers: [FINALIZER],
        ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name: job.metadata.name!, uid: job.metadata.uid!, controller: true, blockOwnerDeletion: true }],
      },
      spec: {
        active: true,
        queueName: queueNameOf(job),
        podSets: [{ name: "main", count: Math.min(parallelism, completions), template }],
        ...(prio.priorityClassName ? { priorityClassName: prio.priorityClassName } : {}),
        priority: prio.priority,
        priorityClassSource: prio.priorityClassSource,
      },
    };
  }

  function start(job: KubeObject, wl: KubeObject): void {
    const inj = flavorInjection(store, wl);
    store.mutate("batch/jobs", job.metadata.namespace, job.metadata.name!, (o) => {
      o.spec.suspend = false;
      const t = (o.spec.template ??= {});
      t.metadata ??= {};
      t.metadata.labels = { ...(t.metadata.labels ?? {}), [PODSET_LABEL]: "main" };
      t.spec ??= {};
      t.spec.nodeSelector = { ...(t.spec.nodeSelector ?? {}), ...inj.nodeSelector };
      if (inj.tolerations.length) t.spec.tolerations = mergeTolerations(t.spec.tolerations, inj.tolerations);
    });
  }

  /** Job.Stop: suspend with the stopping annotation, clear startTime, restore the template, drop the annotation. */
  function stop(job: KubeObject, wl: KubeObject, why: string): void {
    const { namespace, name } = job.metadata;
    recordEvent(store, ctx.clock, job, "Normal", "Stopped", why, "kueue-job-controller");
    store.mutate("batch/jobs", namespace, name!, (o) => {
      o.spec.suspend = true;
      o.metadata.annotations = { ...(o.metadata.annotations ?? {}), [STOPPING]: "true" };
    });
    store.mutate("batch/jobs", namespace, name!, (o) => {
      if (o.status) delete o.status.startTime;
    }, { subresource: "status" });
    const original = wl.spec?.podSets?.[0]?.template?.spec ?? {};
    store.mutate("batch/jobs", namespace, name!, (o) => {
      const t = o.spec.template ?? {};
      if (t.metadata?.labels) delete t.metadata.labels[PODSET_LABEL];
      t.spec ??= {};
      if (original.nodeSelector) t.spec.nodeSelector = structuredClone(original.nodeSelector);
      else delete t.spec.nodeSelector;
      if (original.tolerations) t.spec.tolerations = structuredClone(original.tolerations);
      else delete t.spec.tolerations;
      delete o.metadata.annotations?.[STOPPING];
    });
  }

  const unsubJobs = store.watch("batch/jobs", (ev) => {
    if (ev.type === "BOOKMARK" || !queueNameOf(ev.object)) return;
    if (ev.type !== "DELETED") {
      enqueue(ev.object.metadata.namespace!, ev.object.metadata.name!);
      return;
    }
    // The Job is gone (even when its dependents were orphaned): its Workload goes too, releasing quota.
    const wlName = jobWorkloadName(ev.object.metadata.name!, ev.object.metadata.uid!);
    try {
      store.mutate(GR.workloads, ev.object.metadata.namespace, wlName, (w) => {
        w.metadata.finalizers = (w.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
      });
      store.delete(GR.workloads, ev.object.metadata.namespace, wlName);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    onChange();
  }, { raw: true });
  const unsubWl = store.watch(GR.workloads, (ev) => {
    const o = ev.object;
    if (ev.type === "BOOKMARK") return;
    const owner = o.metadata.ownerReferences?.find((r) => r.kind === "Job" && r.controller);
    if (!owner) return;
    // The Job is gone (garbage collection deletes the Workload): nothing holds it any more.
    if (o.metadata.deletionTimestamp && ev.type !== "DELETED") {
      try {
        store.mutate(GR.workloads, o.metadata.namespace, o.metadata.name!, (w) => {
          w.metadata.finalizers = (w.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
        });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      return;
    }
    if (ev.type !== "DELETED") enqueue(o.metadata.namespace!, owner.name);
  }, { raw: true });
  // Job pods ending let the scheduler release an evicted Workload's quota.
  const unsubPods = store.watch("pods", (ev) => {
    if (ev.type === "BOOKMARK") return;
    if (ev.object.metadata.ownerReferences?.some((r) => r.kind === "Job") && (ev.type === "DELETED" || ev.object.metadata.deletionTimestamp)) onChange();
  }, { raw: true });
  return () => {
    unsubJobs();
    unsubWl();
    unsubPods();
  };
}

/** True when no pod of the Job that owns `wl` is still running or terminating (finished pods do not count). */
export function jobPodsGone(ctx: SimContext, wl: KubeObject): boolean {
  const owner = wl.metadata.ownerReferences?.find((r) => r.kind === "Job");
  if (!owner) return true;
  // The controller-uid label is indexed: no scan of every pod in the namespace.
  return !ctx.store.listRaw("pods", { namespace: wl.metadata.namespace, labelSelector: `batch.kubernetes.io/controller-uid=${owner.uid}` }).some((p) =>
    p.metadata.ownerReferences?.some((r) => r.uid === owner.uid) && p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed");
}
