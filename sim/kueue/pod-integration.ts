import type { KubeObject, SimContext } from "../store/types";
import { GR } from "./api-types";
import { rfc3339, setCondition, type Condition } from "./conditions";
import { JOB_UID_LABEL, flavorInjection, isNotFound, mergeTolerations, queueNameOf, resolvePriority } from "./owner-common";
import { podWorkloadName } from "./workload-name";
import { FINALIZER, finish, hasReservation, isAdmitted, isEvicted, isFinished, releaseEvicted } from "./workload-status";

/**
 * Kueue's pod integration for plain Pods (reference §1.9): gated at create, one Workload
 * `pod-<name>-<hash>` per pod, ungated with the flavor's node selector once admitted, deleted on
 * preemption (never recreated), Workload finished when the pod ends.
 */
export const ADMISSION_GATE = "kueue.x-k8s.io/admission";
export const MANAGED = "kueue.x-k8s.io/managed";

const terminal = (p: KubeObject) => p.status?.phase === "Succeeded" || p.status?.phase === "Failed";
/** The kubelet finished the pod's graceful deletion (or it never ran); only our finalizer keeps it. */
const deletionDone = (p: KubeObject) => !!p.metadata.deletionTimestamp && (!p.spec?.nodeName || p.metadata.deletionGracePeriodSeconds === 0 || terminal(p));

export function startPodIntegration(ctx: SimContext, onChange: () => void): () => void {
  const { store } = ctx;
  const now = () => rfc3339(ctx.clock.now());
  store.addAdmission("pods", {
    mutate(pod, _old, op) {
      if (op !== "CREATE" || !pod.metadata.labels?.["kueue.x-k8s.io/queue-name"]) return;
      // Pods of Kueue-managed Jobs belong to the Job's Workload.
      if (pod.metadata.ownerReferences?.some((r) => r.controller && r.kind === "Job")) return;
      pod.metadata.labels[MANAGED] = "true";
      pod.metadata.finalizers = [...new Set([...(pod.metadata.finalizers ?? []), MANAGED])];
      pod.spec ??= {};
      const gates: { name: string }[] = pod.spec.schedulingGates ?? [];
      if (!gates.some((g) => g.name === ADMISSION_GATE)) pod.spec.schedulingGates = [...gates, { name: ADMISSION_GATE }];
    },
  });

  const dropPodFinalizer = (pod: KubeObject) => {
    if (!pod.metadata.finalizers?.includes(MANAGED)) return;
    try {
      store.mutate("pods", pod.metadata.namespace, pod.metadata.name!, (o) => {
        o.metadata.finalizers = (o.metadata.finalizers ?? []).filter((f) => f !== MANAGED);
      });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  };

  function reconcile(ns: string, name: string): void {
    // Read-only here (every write below is a mutate by name): no copies.
    const pod = store.getRaw("pods", ns, name);
    if (!pod || pod.metadata.labels?.[MANAGED] !== "true") return;
    const wlName = podWorkloadName(name, pod.metadata.uid!);
    const wl = store.getRaw(GR.workloads, ns, wlName);
    if (terminal(pod) || deletionDone(pod)) {
      if (wl && !isFinished(wl)) {
        if (hasReservation(wl) && isEvicted(wl)) releaseEvicted(store, wl, now());
        const failed = pod.status?.phase === "Failed" || (!terminal(pod) && !!pod.metadata.deletionTimestamp);
        finish(store, store.getRaw(GR.workloads, ns, wlName) ?? wl, failed ? "Failed" : "Succeeded", failed ? (pod.status?.message || "Pod failed") : "Pod succeeded", now());
        onChange();
      }
      dropPodFinalizer(pod);
      return;
    }
    if (pod.metadata.deletionTimestamp) return;
    if (!wl) {
      const queueName = queueNameOf(pod);
      const template = { metadata: { labels: { ...(pod.metadata.labels ?? {}) }, annotations: { ...(pod.metadata.annotations ?? {}) } }, spec: structuredClone(pod.spec) };
      template.spec.schedulingGates = (template.spec.schedulingGates ?? []).filter((g: { name: string }) => g.name !== ADMISSION_GATE);
      if (!template.spec.schedulingGates.length) delete template.spec.schedulingGates;
      const prio = resolvePriority(store, pod, pod.spec);
      store.create(GR.workloads, {
        apiVersion: "kueue.x-k8s.io/v1beta1",
        kind: "Workload",
        metadata: {
          name: wlName, namespace: ns, labels: { [JOB_UID_LABEL]: pod.metadata.uid! }, finalizers: [FINALIZER],
          ownerReferences: [{ apiVersion: "v1", kind: "Pod", name, uid: pod.metadata.uid!, controller: true, blockOwnerDeletion: true }],
        },
        spec: {
          active: true, queueName, podSets: [{ name: "main", count: 1, template }],
          ...(prio.priorityClassName ? { priorityClassName: prio.priorityClassName } : {}), priority: prio.priority, priorityClassSource: prio.priorityClassSource,
        },
      });
      onChange();
      return;
    }
    const gated = (pod.spec?.schedulingGates ?? []).some((g: { name: string }) => g.name === ADMISSION_GATE);
    if (hasReservation(wl) && isEvicted(wl)) {
      const msg = wl.status.conditions.find((c: Condition) => c.type === "Evicted")?.message ?? "";
      store.mutate("pods", ns, name, (o) => {
        o.status ??= {};
        o.status.conditions ??= [];
        setCondition(o.status.conditions, { type: "DisruptionTarget", status: "True", reason: "WorkloadEvictedDueToPreempted", message: msg }, now());
      }, { subresource: "status" });
      store.delete("pods", ns, name);
      return;
    }
    if (isAdmitted(wl) && gated) ungate(pod, wl);
  }

  function ungate(pod: KubeObject, wl: KubeObject): void {
    const inj = flavorInjection(store, wl);
    // One update, as Kueue's: the old pod is still gated, so it may gain node selector keys (KEP-3838).
    store.mutate("pods", pod.metadata.namespace, pod.metadata.name!, (o) => {
      o.spec.schedulingGates = (o.spec.schedulingGates ?? []).filter((g: { name: string }) => g.name !== ADMISSION_GATE);
      if (!o.spec.schedulingGates.length) delete o.spec.schedulingGates;
      if (Object.keys(inj.nodeSelector).length) o.spec.nodeSelector = { ...(o.spec.nodeSelector ?? {}), ...inj.nodeSelector };
      if (inj.tolerations.length) o.spec.tolerations = mergeTolerations(o.spec.tolerations, inj.tolerations);
    });
  }

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
        const [a, b] = k.split("/") as [string, string];
        try {
          reconcile(a, b);
        } catch (e) {
          ctx.log.error("kueue pod reconcile failed", { pod: k, err: String(e) });
        }
      }
    });
  };
  const unsubPods = store.watch("pods", (ev) => {
    if (ev.type === "BOOKMARK" || ev.object.metadata.labels?.[MANAGED] !== "true") return;
    if (ev.type === "DELETED") onChange();
    else enqueue(ev.object.metadata.namespace!, ev.object.metadata.name!);
  }, { raw: true });
  const unsubWl = store.watch(GR.workloads, (ev) => {
    const owner = ev.object.metadata.ownerReferences?.find((r) => r.kind === "Pod" && r.controller);
    if (!owner || ev.type === "BOOKMARK") return;
    if (ev.object.metadata.deletionTimestamp && ev.type !== "DELETED") {
      try {
        store.mutate(GR.workloads, ev.object.metadata.namespace, ev.object.metadata.name!, (w) => {
          w.metadata.finalizers = (w.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
        });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      return;
    }
    if (ev.type !== "DELETED") enqueue(ev.object.metadata.namespace!, owner.name);
  }, { raw: true });
  return () => {
    unsubPods();
    unsubWl();
  };
}

/** An evicted pod Workload releases its quota once the pod is gone or finished. */
export function podGone(ctx: SimContext, wl: KubeObject): boolean {
  const owner = wl.metadata.ownerReferences?.find((r) => r.kind === "Pod");
  if (!owner) return true;
  const pod = ctx.store.getRaw("pods", wl.metadata.namespace, owner.name);
  return !pod || pod.metadata.uid !== owner.uid || terminal(pod) || deletionDone(pod);
}
