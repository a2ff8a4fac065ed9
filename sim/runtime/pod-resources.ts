import type { KubeObject } from "../store/types";
import { resourceAmount } from "./quantity";

/** Integer resource amounts (cpu in millicores, others in base units), keyed by resource name. */
export type Resources = Map<string, number>;

interface Container { resources?: { requests?: Record<string, string>; limits?: Record<string, string> } }

function containerRequests(c: Container): Resources {
  const out: Resources = new Map();
  // Limits without requests count as requests (the API defaults them so, and extended resources must).
  const merged = { ...(c.resources?.limits ?? {}), ...(c.resources?.requests ?? {}) };
  for (const [r, q] of Object.entries(merged)) out.set(r, resourceAmount(r, q));
  return out;
}

/**
 * What a pod asks of a node: the sum over containers, at least the largest init container, plus
 * overhead and one "pods" slot (kube-scheduler's computePodResourceRequest).
 */
export function podRequests(pod: KubeObject): Resources {
  const total: Resources = new Map([["pods", 1]]);
  for (const c of (pod.spec?.containers ?? []) as Container[]) for (const [r, v] of containerRequests(c)) total.set(r, (total.get(r) ?? 0) + v);
  for (const c of (pod.spec?.initContainers ?? []) as Container[])
    for (const [r, v] of containerRequests(c)) if (v > (total.get(r) ?? 0)) total.set(r, v);
  for (const [r, q] of Object.entries((pod.spec?.overhead ?? {}) as Record<string, string>)) total.set(r, (total.get(r) ?? 0) + resourceAmount(r, q));
  return total;
}

export function nodeAllocatable(node: KubeObject): Resources {
  const out: Resources = new Map();
  for (const [r, q] of Object.entries((node.status?.allocatable ?? {}) as Record<string, string>)) out.set(r, resourceAmount(r, q));
  return out;
}

export function addInto(into: Resources, add: Resources, sign = 1): void {
  for (const [r, v] of add) into.set(r, (into.get(r) ?? 0) + sign * v);
}

/** GPU-like extended resources a pod requests (nvidia.com/gpu, nvidia.com/mig-*). */
export function gpuRequests(pod: KubeObject): [string, number][] {
  return [...podRequests(pod)].filter(([r, v]) => v > 0 && (r === "nvidia.com/gpu" || r.startsWith("nvidia.com/mig-")));
}

export const podKey = (pod: KubeObject) => `${pod.metadata.namespace}/${pod.metadata.name}`;

export function isTerminal(pod: KubeObject): boolean {
  return pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
}
