import type { KubeObject, Store } from "../store/types";
import { GR } from "./api-types";
import type { Toleration } from "./model";

/** What the Job and Pod integrations share: queue name, priority resolution, flavor injection. */
export const QUEUE_LABEL = "kueue.x-k8s.io/queue-name";
export const PRIORITY_LABEL = "kueue.x-k8s.io/priority-class";
export const JOB_UID_LABEL = "kueue.x-k8s.io/job-uid";
export const PODSET_LABEL = "kueue.x-k8s.io/podset";

export function queueNameOf(obj: KubeObject): string | undefined {
  return obj.metadata.labels?.[QUEUE_LABEL] || obj.metadata.annotations?.[QUEUE_LABEL] || undefined;
}

/** Kueue's ExtractPriority: WorkloadPriorityClass label, then the pod PriorityClass, then the global default. */
export function resolvePriority(store: Store, obj: KubeObject, podSpec: { priorityClassName?: string } | undefined): { priorityClassName?: string; priority: number; priorityClassSource: string } {
  const wpcName = obj.metadata.labels?.[PRIORITY_LABEL];
  if (wpcName) {
    const wpc = store.get(GR.priorityClasses, undefined, wpcName);
    if (wpc) return { priorityClassName: wpcName, priority: Number(wpc.value ?? 0), priorityClassSource: "kueue.x-k8s.io/workloadpriorityclass" };
  }
  const pcName = podSpec?.priorityClassName;
  const pcs = store.resource("scheduling.k8s.io/priorityclasses") ? store.listRaw("scheduling.k8s.io/priorityclasses") : [];
  const pc = pcName ? pcs.find((p) => p.metadata.name === pcName) : pcs.find((p) => p.globalDefault === true);
  if (pc) return { priorityClassName: pc.metadata.name, priority: Number(pc.value ?? 0), priorityClassSource: "scheduling.k8s.io/priorityclass" };
  return { priority: 0, priorityClassSource: "" };
}

/** nodeLabels and tolerations of the flavors a pod set was admitted to (podset.FromAssignment). */
export function flavorInjection(store: Store, wl: KubeObject, podSet = "main"): { nodeSelector: Record<string, string>; tolerations: Toleration[] } {
  const psa = (wl.status?.admission?.podSetAssignments ?? []).find((p: { name: string }) => p.name === podSet);
  const names = [...new Set(Object.values((psa?.flavors ?? {}) as Record<string, string>))];
  const nodeSelector: Record<string, string> = {};
  const tolerations: Toleration[] = [];
  for (const n of names) {
    const rf = store.get(GR.flavors, undefined, n);
    Object.assign(nodeSelector, rf?.spec?.nodeLabels ?? {});
    tolerations.push(...((rf?.spec?.tolerations ?? []) as Toleration[]));
  }
  return { nodeSelector, tolerations };
}

export function mergeTolerations(base: Toleration[] | undefined, extra: Toleration[]): Toleration[] {
  const out = [...(base ?? [])];
  for (const t of extra) if (!out.some((o) => JSON.stringify(o) === JSON.stringify(t))) out.push(t);
  return out;
}

export const isNotFound = (e: unknown) => (e as { code?: number }).code === 404;
export const isConflictOrExists = (e: unknown) => [409].includes((e as { code?: number }).code ?? 0);
