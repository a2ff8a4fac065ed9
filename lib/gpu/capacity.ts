import type { V1Node, V1Pod } from "@kubernetes/client-node";
import { KUEUE_ADMISSION_GATE, PROFILE_LABEL, labelValue } from "@/lib/kube/labels";
import { kube, rewritePath, toAppError, type KubeClients } from "@/lib/kube/client";
import { VISIBILITY_GROUP, VISIBILITY_VERSION, type PendingWorkload } from "@/lib/kube/kueue-types";

/**
 * Free / total per GPU profile, as the spawn page shows it: nodes' allocatable of the profile's
 * resource on the nodes its selector matches, minus what non-terminated pods on those nodes
 * request (the AI_INFN spawner counts only its own namespace; this counts every pod, batch
 * included, because they hold the device all the same). Interlink virtual nodes are not local
 * capacity and are left out.
 */

export interface ProfileShape {
  key: string;
  resourceName: string;
  nodeSelector: Record<string, string>;
}

export interface ProfileCapacity {
  key: string;
  total: number;
  free: number;
  /** Session pods of this profile waiting for Kueue admission. */
  queued: number;
}

const VIRTUAL_TAINT = "virtual-node.interlink/no-schedule";

function intQuantity(q: string | undefined): number {
  if (!q) return 0;
  const n = Number.parseInt(q, 10);
  return Number.isFinite(n) ? n : 0;
}

function podRequest(pod: V1Pod, resource: string): number {
  let sum = 0;
  for (const c of pod.spec?.containers ?? []) {
    sum += intQuantity(c.resources?.requests?.[resource] ?? c.resources?.limits?.[resource]);
  }
  return sum;
}

function matches(node: V1Node, selector: Record<string, string>): boolean {
  const labels = node.metadata?.labels ?? {};
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function isGated(pod: V1Pod): boolean {
  return (pod.spec?.schedulingGates ?? []).some((g) => g.name === KUEUE_ADMISSION_GATE);
}

export function computeCapacity(nodes: V1Node[], pods: V1Pod[], profiles: ProfileShape[]): ProfileCapacity[] {
  const usable = nodes.filter(
    (n) => !n.spec?.unschedulable && !(n.spec?.taints ?? []).some((t) => t.key === VIRTUAL_TAINT),
  );
  const live = pods.filter((p) => p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed");
  return profiles.map((profile) => {
    const mine = usable.filter((n) => matches(n, profile.nodeSelector) && intQuantity(n.status?.allocatable?.[profile.resourceName]) > 0);
    const names = new Set(mine.map((n) => n.metadata?.name));
    const total = mine.reduce((s, n) => s + intQuantity(n.status?.allocatable?.[profile.resourceName]), 0);
    const used = live.filter((p) => p.spec?.nodeName && names.has(p.spec.nodeName)).reduce((s, p) => s + podRequest(p, profile.resourceName), 0);
    const queued = live.filter((p) => isGated(p) && p.metadata?.labels?.[PROFILE_LABEL] === labelValue(profile.key)).length;
    return { key: profile.key, total, free: Math.max(0, total - used), queued };
  });
}

/** Reads nodes and pods (all namespaces) and computes capacity. Errors are never turned into zeros. */
export async function readCapacity(profiles: ProfileShape[], k: KubeClients = kube()): Promise<ProfileCapacity[]> {
  const { core } = k;
  try {
    const [nodes, pods] = await Promise.all([
      core.listNode({}),
      core.listPodForAllNamespaces({ fieldSelector: "status.phase!=Succeeded,status.phase!=Failed" }),
    ]);
    return computeCapacity(nodes.items, pods.items, profiles);
  } catch (e) {
    throw toAppError(e, "reading GPU capacity");
  }
}

/**
 * 0-based positions in the interactive LocalQueue keyed by session id, from Kueue's visibility API
 * (reference §1.11). The pending workload's owner is the session pod; its name carries the session id.
 */
export async function readQueuePositions(localQueue: string, k: KubeClients = kube()): Promise<Map<string, number>> {
  const { custom, namespace } = k;
  try {
    // client-node escapes "/" in `plural`; the subresource path is set by a per-call middleware.
    const listPath = `/namespaces/${namespace}/localqueues`;
    const res = (await custom.listNamespacedCustomObject(
      { group: VISIBILITY_GROUP, version: VISIBILITY_VERSION, namespace, plural: "localqueues" },
      rewritePath(listPath, `${listPath}/${encodeURIComponent(localQueue)}/pendingworkloads`),
    )) as { items?: PendingWorkload[] };
    const out = new Map<string, number>();
    for (const w of res.items ?? []) {
      const owner = w.metadata.ownerReferences?.find((o) => o.kind === "Pod");
      if (owner?.name.startsWith("session-")) out.set(owner.name.slice("session-".length), w.positionInLocalQueue);
    }
    return out;
  } catch (e) {
    throw toAppError(e, "reading the queue");
  }
}

