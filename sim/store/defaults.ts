import { parseQuantity } from "./quantity";
import type { KubeObject } from "./types";

/**
 * The defaulting the real API server applies to the fields we use (pkg/apis/core/v1/defaults.go,
 * pkg/apis/batch/v1/defaults.go). Idempotent: it runs before and after mutating admission.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- pod specs are schemaless JSON here
export function defaultPodSpec(spec: any): void {
  if (!spec || typeof spec !== "object") return;
  spec.restartPolicy ??= "Always";
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= "ClusterFirst";
  spec.schedulerName ??= "default-scheduler";
  spec.securityContext ??= {};
  spec.enableServiceLinks ??= true;
  spec.preemptionPolicy ??= "PreemptLowerPriority";
  if (spec.priority === undefined && spec.priorityClassName === undefined) spec.priority = 0;
  spec.serviceAccountName ??= "default";
  spec.serviceAccount ??= spec.serviceAccountName;
  for (const list of ["initContainers", "containers"]) {
    if (!Array.isArray(spec[list])) continue;
    for (const c of spec[list]) {
      if (!c || typeof c !== "object") continue;
      c.terminationMessagePath ??= "/dev/termination-log";
      c.terminationMessagePolicy ??= "File";
      const tag = typeof c.image === "string" ? c.image.split("/").pop()!.split("@")[0]!.split(":")[1] : undefined;
      c.imagePullPolicy ??= !tag || tag === "latest" ? "Always" : "IfNotPresent";
      c.resources ??= {};
      // Limits without requests default the requests to the limits.
      if (c.resources.limits && typeof c.resources.limits === "object") {
        c.resources.requests = { ...c.resources.limits, ...(c.resources.requests ?? {}) };
      }
      for (const p of c.ports ?? []) if (p && typeof p === "object") p.protocol ??= "TCP";
    }
  }
  spec.tolerations ??= [];
  const hasTol = (key: string) => spec.tolerations.some((t: { key?: string }) => t?.key === key);
  // The DefaultTolerationSeconds admission plugin.
  for (const key of ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]) {
    if (!hasTol(key)) spec.tolerations.push({ key, operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 });
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
export function qosClass(spec: any): "Guaranteed" | "Burstable" | "BestEffort" {
  const cs = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])];
  let any = false;
  let guaranteed = cs.length > 0;
  for (const c of cs) {
    const req: Record<string, string> = c?.resources?.requests ?? {};
    const lim: Record<string, string> = c?.resources?.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ["cpu", "memory"]) {
      if (lim[r] === undefined || req[r] === undefined || parseQuantity(lim[r]) !== parseQuantity(req[r])) guaranteed = false;
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

/**
 * What the API server's create strategy adds once mutating admission has run (PrepareForCreate in
 * pkg/registry/core/pod/strategy.go): a pod created with scheduling gates (Kueue's webhook adds
 * one) carries `PodScheduled=False, reason SchedulingGated` from its first version, so the
 * scheduler never writes it.
 */
export function prepareForCreate(gr: string, obj: KubeObject, now: string): void {
  if (gr !== "pods" || !obj.spec?.schedulingGates?.length) return;
  const status = (obj.status ??= {});
  const conditions = (status.conditions ??= []) as Record<string, unknown>[];
  if (conditions.some((c) => c.type === "PodScheduled")) return;
  conditions.push({ type: "PodScheduled", status: "False", lastProbeTime: null, lastTransitionTime: now, reason: "SchedulingGated", message: SCHEDULING_GATED_MESSAGE });
}

export const SCHEDULING_GATED_MESSAGE = "Scheduling is blocked due to non-empty scheduling gates";

/** Defaults for a new or updated object of resource `gr`; `isCreate` also seeds status. */
export function applyDefaults(gr: string, obj: KubeObject, isCreate: boolean, allocateClusterIP: () => string): void {
  switch (gr) {
    case "pods":
      obj.spec ??= {};
      defaultPodSpec(obj.spec);
      if (isCreate) obj.status = { phase: "Pending", qosClass: qosClass(obj.spec) };
      break;
    case "batch/jobs": {
      const s = (obj.spec ??= {});
      if (s.completions == null && s.parallelism == null) s.completions = 1;
      s.parallelism ??= 1;
      s.backoffLimit ??= 6;
      s.completionMode ??= "NonIndexed";
      s.suspend ??= false;
      s.podReplacementPolicy ??= "TerminatingOrFailed";
      s.template ??= {};
      s.template.metadata ??= {};
      if (isCreate && !s.manualSelector && obj.metadata.uid) {
        const uid = obj.metadata.uid;
        const name = obj.metadata.name!;
        s.template.metadata.labels = {
          ...(s.template.metadata.labels ?? {}),
          "batch.kubernetes.io/controller-uid": uid,
          "batch.kubernetes.io/job-name": name,
          "controller-uid": uid,
          "job-name": name,
        };
        s.selector ??= { matchLabels: { "batch.kubernetes.io/controller-uid": uid } };
      }
      s.template.spec ??= {};
      defaultPodSpec(s.template.spec);
      if (isCreate) obj.status = {};
      break;
    }
    case "namespaces":
      obj.spec ??= { finalizers: ["kubernetes"] };
      obj.status ??= { phase: "Active" };
      obj.metadata.labels = { ...(obj.metadata.labels ?? {}), "kubernetes.io/metadata.name": obj.metadata.name! };
      break;
    case "services": {
      const s = (obj.spec ??= {});
      s.type ??= "ClusterIP";
      s.sessionAffinity ??= "None";
      if (isCreate && s.clusterIP === undefined) s.clusterIP = allocateClusterIP();
      if (s.clusterIP && s.clusterIP !== "None") s.clusterIPs ??= [s.clusterIP];
      else if (s.clusterIP === "None") s.clusterIPs ??= ["None"];
      s.ipFamilies ??= ["IPv4"];
      for (const p of s.ports ?? []) {
        if (!p || typeof p !== "object") continue;
        p.protocol ??= "TCP";
        p.targetPort ??= p.port;
      }
      obj.status ??= { loadBalancer: {} };
      break;
    }
    case "persistentvolumeclaims": {
      const s = (obj.spec ??= {});
      s.volumeMode ??= "Filesystem";
      if (isCreate) {
        // No provisioner: a claim is bound at once with the capacity it asked for.
        obj.status = { phase: "Bound", accessModes: s.accessModes ?? ["ReadWriteOnce"], capacity: { storage: s.resources?.requests?.storage } };
        s.volumeName ??= `pvc-${obj.metadata.uid}`;
      }
      break;
    }
    case "serviceaccounts":
    case "configmaps":
      break;
    case "secrets":
      obj.type ??= "Opaque";
      break;
    case "scheduling.k8s.io/priorityclasses":
      obj.preemptionPolicy ??= "PreemptLowerPriority";
      break;
  }
}
