import { describe, expect, it } from "vitest";
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import { computeCapacity } from "@/lib/gpu/capacity";
import { KUEUE_ADMISSION_GATE, PROFILE_LABEL, labelValue } from "@/lib/kube/labels";

// Free / total per profile as the spawn page shows it, from nodes and pods as the API returns them.

const node = (name: string, allocatable: Record<string, string>, extra: { labels?: Record<string, string>; unschedulable?: boolean; virtual?: boolean } = {}): V1Node => ({
  metadata: { name, labels: extra.labels ?? {} },
  spec: {
    ...(extra.unschedulable ? { unschedulable: true } : {}),
    ...(extra.virtual ? { taints: [{ key: "virtual-node.interlink/no-schedule", value: "true", effect: "NoSchedule" }] } : {}),
  },
  status: { allocatable: { cpu: "64", memory: "512Gi", ...allocatable } },
});

const pod = (o: { node?: string; requests?: Record<string, string>; phase?: string; gatedProfile?: string; namespace?: string }): V1Pod => ({
  metadata: { name: `p-${Math.random()}`, namespace: o.namespace ?? "ai-hub", labels: o.gatedProfile ? { [PROFILE_LABEL]: labelValue(o.gatedProfile) } : {} },
  spec: {
    ...(o.node ? { nodeName: o.node } : {}),
    ...(o.gatedProfile ? { schedulingGates: [{ name: KUEUE_ADMISSION_GATE }] } : {}),
    containers: [{ name: "c", image: "x", resources: { requests: o.requests ?? {} } }],
  },
  status: { phase: o.phase ?? "Running" },
});

const mig1g = { key: "mig-1g.10gb", resourceName: "nvidia.com/mig-1g.10gb", nodeSelector: {} };
const a100 = { key: "a100", resourceName: "nvidia.com/gpu", nodeSelector: { "nvidia.com/gpu.product": "NVIDIA-A100-SXM4-80GB" } };
const t4 = { key: "t4", resourceName: "nvidia.com/gpu", nodeSelector: { "nvidia.com/gpu.product": "Tesla-T4" } };

describe("computeCapacity", () => {
  const nodes = [
    node("mig-node", { "nvidia.com/mig-1g.10gb": "14" }),
    node("a100-node", { "nvidia.com/gpu": "2" }, { labels: { "nvidia.com/gpu.product": "NVIDIA-A100-SXM4-80GB" } }),
    node("t4-node", { "nvidia.com/gpu": "4" }, { labels: { "nvidia.com/gpu.product": "Tesla-T4" } }),
  ];

  it("total is the allocatable of the nodes the profile selects; free subtracts what pods there request, whatever their namespace", () => {
    const pods = [
      pod({ node: "mig-node", requests: { "nvidia.com/mig-1g.10gb": "1" } }),
      pod({ node: "mig-node", requests: { "nvidia.com/mig-1g.10gb": "2" }, namespace: "batch" }),
      pod({ node: "t4-node", requests: { "nvidia.com/gpu": "1" } }),
    ];
    expect(computeCapacity(nodes, pods, [mig1g, a100, t4])).toEqual([
      { key: "mig-1g.10gb", total: 14, free: 11, queued: 0 },
      { key: "a100", total: 2, free: 2, queued: 0 },
      { key: "t4", total: 4, free: 3, queued: 0 },
    ]);
  });

  it("finished pods hold nothing; a pod on another profile's node does not count here", () => {
    const pods = [
      pod({ node: "a100-node", requests: { "nvidia.com/gpu": "2" }, phase: "Succeeded" }),
      pod({ node: "a100-node", requests: { "nvidia.com/gpu": "1" }, phase: "Failed" }),
      pod({ node: "t4-node", requests: { "nvidia.com/gpu": "4" } }),
    ];
    expect(computeCapacity(nodes, pods, [a100, t4]).map((c) => [c.key, c.free])).toEqual([["a100", 2], ["t4", 0]]);
  });

  it("free never goes below zero (pods may request more than a node now reports)", () => {
    const pods = [pod({ node: "a100-node", requests: { "nvidia.com/gpu": "3" } })];
    expect(computeCapacity(nodes, pods, [a100])[0]).toMatchObject({ total: 2, free: 0 });
  });

  it("cordoned nodes and interLink virtual nodes are not local capacity", () => {
    const more = [...nodes, node("cordoned", { "nvidia.com/gpu": "8" }, { labels: { "nvidia.com/gpu.product": "Tesla-T4" }, unschedulable: true }), node("vk", { "nvidia.com/gpu": "100" }, { labels: { "nvidia.com/gpu.product": "Tesla-T4" }, virtual: true })];
    expect(computeCapacity(more, [], [t4])[0]).toMatchObject({ total: 4, free: 4 });
  });

  it("queued counts the profile's session pods still gated by Kueue, not other profiles' nor admitted ones", () => {
    const pods = [pod({ gatedProfile: "mig-1g.10gb" }), pod({ gatedProfile: "mig-1g.10gb" }), pod({ gatedProfile: "a100" }), pod({ node: "mig-node", requests: { "nvidia.com/mig-1g.10gb": "1" } })];
    expect(computeCapacity(nodes, pods, [mig1g, a100]).map((c) => [c.key, c.queued])).toEqual([["mig-1g.10gb", 2], ["a100", 1]]);
  });

  it("a profile whose resource no node offers has 0 / 0", () => {
    expect(computeCapacity(nodes, [], [{ key: "mig-7g.80gb", resourceName: "nvidia.com/mig-7g.80gb", nodeSelector: {} }])[0]).toEqual({ key: "mig-7g.80gb", total: 0, free: 0, queued: 0 });
  });
});
