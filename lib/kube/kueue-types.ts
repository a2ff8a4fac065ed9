import type { V1ObjectMeta } from "@kubernetes/client-node";

/**
 * The parts of Kueue's objects AI Hub reads (kueue.x-k8s.io/v1beta1, see
 * reference/kueue-gpu-metrics.md §1.5 and §1.11). client-node has no generated types for CRDs.
 */
export const KUEUE_GROUP = "kueue.x-k8s.io";
export const KUEUE_VERSION = "v1beta1";
export const VISIBILITY_GROUP = "visibility.kueue.x-k8s.io";
export const VISIBILITY_VERSION = "v1beta1";

export interface KueueCondition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason?: string;
  message?: string;
  lastTransitionTime?: string | Date;
}

export interface Workload {
  apiVersion?: string;
  kind?: string;
  metadata: V1ObjectMeta;
  spec?: { queueName?: string; priority?: number; podSets?: Array<{ name: string; count: number }> };
  status?: {
    conditions?: KueueCondition[];
    admission?: { clusterQueue: string; podSetAssignments?: Array<{ name: string; flavors?: Record<string, string> }> };
  };
}

export interface PendingWorkload {
  metadata: { name: string; namespace: string; ownerReferences?: Array<{ kind: string; name: string; uid?: string }> };
  priority: number;
  localQueueName: string;
  positionInClusterQueue: number;
  positionInLocalQueue: number;
}

export function condition(w: { status?: { conditions?: KueueCondition[] } } | null | undefined, type: string): KueueCondition | undefined {
  return w?.status?.conditions?.find((c) => c.type === type);
}
