import { rewritePath, toAppError, type KubeClients } from "@/lib/kube/client";
import { KUEUE_GROUP, KUEUE_VERSION, VISIBILITY_GROUP, VISIBILITY_VERSION, type PendingWorkload } from "@/lib/kube/kueue-types";

/**
 * Kueue's view of the queues: pending positions from the visibility API (§1.11) and ClusterQueue
 * quota and usage from their status (§1.3). Errors are AppErrors, never an empty answer.
 */

/** 0-based positions in a LocalQueue, keyed by the owning Job's name. */
export async function readJobQueuePositions(k: KubeClients, localQueue: string): Promise<Map<string, number>> {
  const listPath = `/namespaces/${k.namespace}/localqueues`;
  try {
    const res = (await k.custom.listNamespacedCustomObject(
      { group: VISIBILITY_GROUP, version: VISIBILITY_VERSION, namespace: k.namespace, plural: "localqueues" },
      rewritePath(listPath, `${listPath}/${encodeURIComponent(localQueue)}/pendingworkloads`),
    )) as { items?: PendingWorkload[] };
    const out = new Map<string, number>();
    for (const w of res.items ?? []) {
      const owner = w.metadata.ownerReferences?.find((o) => o.kind === "Job");
      if (owner) out.set(owner.name, w.positionInLocalQueue);
    }
    return out;
  } catch (e) {
    throw toAppError(e, "reading the batch queue");
  }
}

export interface QueueResourceView {
  name: string;
  nominalQuota: string;
  borrowingLimit: string | null;
  /** Admitted usage (flavorsUsage) and how much of it is borrowed from the cohort. */
  usage: string;
  borrowed: string;
}

export interface QueueFlavorView {
  name: string;
  resources: QueueResourceView[];
}

export interface ClusterQueueView {
  name: string;
  cohort: string | null;
  pendingWorkloads: number;
  admittedWorkloads: number;
  reservingWorkloads: number;
  active: boolean;
  flavors: QueueFlavorView[];
}

interface RawClusterQueue {
  metadata: { name: string };
  spec?: {
    cohort?: string;
    resourceGroups?: Array<{ flavors: Array<{ name: string; resources: Array<{ name: string; nominalQuota: string | number; borrowingLimit?: string | number }> }> }>;
  };
  status?: {
    pendingWorkloads?: number;
    admittedWorkloads?: number;
    reservingWorkloads?: number;
    flavorsUsage?: Array<{ name: string; resources: Array<{ name: string; total?: string | number; borrowed?: string | number }> }>;
    conditions?: Array<{ type: string; status: string }>;
  };
}

export function toClusterQueueView(cq: RawClusterQueue): ClusterQueueView {
  const usage = new Map<string, { total: string; borrowed: string }>();
  for (const f of cq.status?.flavorsUsage ?? []) {
    for (const r of f.resources ?? []) usage.set(`${f.name}/${r.name}`, { total: String(r.total ?? "0"), borrowed: String(r.borrowed ?? "0") });
  }
  const flavors: QueueFlavorView[] = [];
  for (const g of cq.spec?.resourceGroups ?? []) {
    for (const f of g.flavors) {
      flavors.push({
        name: f.name,
        resources: f.resources.map((r) => {
          const u = usage.get(`${f.name}/${r.name}`);
          return {
            name: r.name,
            nominalQuota: String(r.nominalQuota),
            borrowingLimit: r.borrowingLimit === undefined ? null : String(r.borrowingLimit),
            usage: u?.total ?? "0",
            borrowed: u?.borrowed ?? "0",
          };
        }),
      });
    }
  }
  return {
    name: cq.metadata.name,
    cohort: cq.spec?.cohort ?? null,
    pendingWorkloads: cq.status?.pendingWorkloads ?? 0,
    admittedWorkloads: cq.status?.admittedWorkloads ?? 0,
    reservingWorkloads: cq.status?.reservingWorkloads ?? 0,
    active: (cq.status?.conditions ?? []).some((c) => c.type === "Active" && c.status === "True"),
    flavors,
  };
}

export async function readClusterQueues(k: KubeClients): Promise<ClusterQueueView[]> {
  try {
    const res = (await k.custom.listClusterCustomObject({ group: KUEUE_GROUP, version: KUEUE_VERSION, plural: "clusterqueues" })) as { items?: RawClusterQueue[] };
    return (res.items ?? []).map(toClusterQueueView).sort((a, b) => a.name.localeCompare(b.name));
  } catch (e) {
    throw toAppError(e, "reading the queues");
  }
}
