import type { KubernetesObject, V1Node } from "@kubernetes/client-node";
import { computeCapacity } from "@/lib/gpu/capacity";

/**
 * Kueue queue setup for pattern B (reference/kueue-gpu-metrics.md §2.4): an `interactive`
 * ClusterQueue holds all the quota and reclaims it from the cohort at once; `batch` has zero
 * nominal quota in the same cohort, so batch only ever runs on idle interactive capacity and is
 * evicted the moment a session needs it. Quotas come from the nodes' allocatable.
 */

export interface QueueProfile {
  key: string;
  resourceName: string;
  nodeSelector: Record<string, string>;
  sortOrder: number;
}

export interface QueueSetupInput {
  nodes: V1Node[];
  profiles: QueueProfile[];
  namespace: string;
  cohort?: string;
  interactiveQueue?: string;
  batchQueue?: string;
}

const VIRTUAL_TAINT = "virtual-node.interlink/no-schedule";
const KUEUE = "kueue.x-k8s.io/v1beta1";

function cpuMillis(q: string | undefined): number {
  if (!q) return 0;
  return q.endsWith("m") ? Number.parseInt(q, 10) : Math.round(Number.parseFloat(q) * 1000);
}

const UNITS: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, K: 1e3, M: 1e6, G: 1e9, T: 1e12 };
function bytes(q: string | undefined): number {
  if (!q) return 0;
  const m = /^(\d+(?:\.\d+)?)([KMGT]i?)?$/.exec(q);
  if (!m) return 0;
  return Number.parseFloat(m[1]!) * (m[2] ? UNITS[m[2]]! : 1);
}

export function generateQueueSetup(input: QueueSetupInput): KubernetesObject[] {
  const cohort = input.cohort ?? "ai-hub";
  const interactive = input.interactiveQueue ?? "interactive";
  const batch = input.batchQueue ?? "batch";
  const local = input.nodes.filter((n) => !(n.spec?.taints ?? []).some((t) => t.key === VIRTUAL_TAINT));
  const cpu = local.reduce((s, n) => s + cpuMillis(n.status?.allocatable?.cpu), 0);
  const memGi = Math.floor(local.reduce((s, n) => s + bytes(n.status?.allocatable?.memory), 0) / 2 ** 30);
  const capacity = new Map(computeCapacity(local, [], input.profiles).map((c) => [c.key, c.total]));

  const profiles = [...input.profiles].sort((a, b) => b.sortOrder - a.sortOrder);
  const byResource = new Map<string, QueueProfile[]>();
  for (const p of profiles) byResource.set(p.resourceName, [...(byResource.get(p.resourceName) ?? []), p]);

  const flavors: KubernetesObject[] = [
    { apiVersion: KUEUE, kind: "ResourceFlavor", metadata: { name: "default-flavor" }, spec: {} } as KubernetesObject,
    ...profiles.map(
      (p) => ({ apiVersion: KUEUE, kind: "ResourceFlavor", metadata: { name: p.key }, spec: { nodeLabels: { ...p.nodeSelector } } }) as KubernetesObject,
    ),
  ];

  const groups = (nominal: boolean) => [
    {
      coveredResources: ["cpu", "memory"],
      flavors: [
        {
          name: "default-flavor",
          resources: [
            { name: "cpu", nominalQuota: nominal ? `${cpu}m` : "0" },
            { name: "memory", nominalQuota: nominal ? `${memGi}Gi` : "0" },
          ],
        },
      ],
    },
    ...[...byResource.entries()].map(([resource, ps]) => ({
      coveredResources: [resource],
      flavors: ps.map((p) => ({ name: p.key, resources: [{ name: resource, nominalQuota: nominal ? String(capacity.get(p.key) ?? 0) : "0" }] })),
    })),
  ];

  const cq = (name: string, nominal: boolean, preemption: Record<string, string>) =>
    ({
      apiVersion: KUEUE,
      kind: "ClusterQueue",
      metadata: { name, labels: { "app.kubernetes.io/managed-by": "ai-hub" } },
      spec: { cohort, namespaceSelector: {}, queueingStrategy: "BestEffortFIFO", preemption, resourceGroups: groups(nominal) },
    }) as KubernetesObject;

  const lq = (name: string, clusterQueue: string) =>
    ({ apiVersion: KUEUE, kind: "LocalQueue", metadata: { name, namespace: input.namespace }, spec: { clusterQueue } }) as KubernetesObject;

  return [
    ...flavors,
    // Interactive work never borrows and is never preempted; it reclaims its nominal quota at once.
    cq(interactive, true, { reclaimWithinCohort: "Any", withinClusterQueue: "Never" }),
    // Batch has no quota of its own: everything it runs is borrowed and can be reclaimed.
    cq(batch, false, { reclaimWithinCohort: "Never", withinClusterQueue: "LowerPriority" }),
    lq(interactive, interactive),
    lq(batch, batch),
  ];
}
