import { describe, it, expect } from "vitest";
import type { V1Node } from "@kubernetes/client-node";
import { generateQueueSetup } from "@/lib/kube/kueue-queues";
import { defaultProfiles } from "@/lib/catalog/default-catalogue";
import { computeCapacity } from "@/lib/gpu/capacity";
// The simulator's node builder gives realistic nodes (GFD labels, MIG resources) for a pure test.
import { nodeObjects } from "@/sim/topology/node-objects";
import { loadTopology } from "@/sim/topology/load";

const nodes = nodeObjects(loadTopology()) as unknown as V1Node[];

type Cq = { metadata: { name: string }; spec: { cohort: string; preemption: Record<string, string>; resourceGroups: Array<{ coveredResources: string[]; flavors: Array<{ name: string; resources: Array<{ name: string; nominalQuota: string }> }> }> } };

describe("generateQueueSetup (pattern B)", () => {
  const objs = generateQueueSetup({ nodes, profiles: defaultProfiles, namespace: "ai-hub" });
  const cq = (name: string) => objs.find((o) => o.kind === "ClusterQueue" && o.metadata?.name === name) as unknown as Cq;
  const quota = (q: Cq, flavor: string) => q.spec.resourceGroups.flatMap((g) => g.flavors).find((f) => f.name === flavor)!.resources[0]!.nominalQuota;

  it("gives interactive the GPU quota the nodes can allocate, reclaiming within the cohort", () => {
    const i = cq("interactive");
    expect(i.spec.cohort).toBe("ai-hub");
    expect(i.spec.preemption).toEqual({ reclaimWithinCohort: "Any", withinClusterQueue: "Never" });
    expect(quota(i, "mig-1g.10gb")).toBe("16");
    expect(quota(i, "t4")).toBe("8");
    expect(quota(i, "rtx5000")).toBe("5");
    expect(quota(i, "a100")).toBe("1");
  });

  it("gives batch zero nominal quota in the same cohort", () => {
    const b = cq("batch");
    expect(b.spec.cohort).toBe("ai-hub");
    expect(b.spec.preemption).toEqual({ reclaimWithinCohort: "Never", withinClusterQueue: "LowerPriority" });
    for (const g of b.spec.resourceGroups) for (const f of g.flavors) for (const r of f.resources) expect(r.nominalQuota).toBe("0");
  });

  it("puts profiles sharing nvidia.com/gpu into one resource group, MIG resources into their own", () => {
    const groups = cq("interactive").spec.resourceGroups.map((g) => g.coveredResources.join(","));
    expect(groups).toEqual(["cpu,memory", "nvidia.com/mig-1g.10gb", "nvidia.com/mig-2g.20gb", "nvidia.com/mig-3g.40gb", "nvidia.com/gpu"]);
    const flavor = objs.find((o) => o.kind === "ResourceFlavor" && o.metadata?.name === "t4") as unknown as { spec: { nodeLabels: Record<string, string> } };
    expect(flavor.spec.nodeLabels).toEqual({ "nvidia.com/gpu.product": "Tesla-T4" });
  });

  it("has LocalQueues for both in the namespace", () => {
    const lqs = objs.filter((o) => o.kind === "LocalQueue").map((o) => [o.metadata?.namespace, o.metadata?.name]);
    expect(lqs).toEqual([["ai-hub", "interactive"], ["ai-hub", "batch"]]);
  });
});

describe("computeCapacity", () => {
  it("subtracts requests of live pods on matching nodes and counts queued session pods", () => {
    const pods = [
      { metadata: { name: "a" }, spec: { nodeName: "aiinfn-gpu-mig", containers: [{ name: "c", resources: { requests: { "nvidia.com/mig-1g.10gb": "1" } } }] }, status: { phase: "Running" } },
      { metadata: { name: "b" }, spec: { nodeName: "aiinfn-gpu-mig", containers: [{ name: "c", resources: { limits: { "nvidia.com/mig-1g.10gb": "2" } } }] }, status: { phase: "Succeeded" } },
      { metadata: { name: "q", labels: { "ai-hub.infn.it/gpu-profile": "mig-1g.10gb" } }, spec: { schedulingGates: [{ name: "kueue.x-k8s.io/admission" }], containers: [] }, status: { phase: "Pending" } },
    ];
    const [mig, t4] = computeCapacity(nodes, pods, [defaultProfiles[0]!, defaultProfiles[3]!]);
    expect(mig).toEqual({ key: "mig-1g.10gb", total: 16, free: 15, queued: 1 });
    expect(t4).toEqual({ key: "t4", total: 8, free: 8, queued: 0 });
  });
});
