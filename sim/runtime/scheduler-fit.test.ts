import { describe, it, expect } from "vitest";
import type { KubeObject } from "../store/types";
import { nodeAllocatable, podRequests } from "./pod-resources";
import { pickPreemptionNode, selectVictims, type Victim } from "./preemption";
import { filterNode, fitErrorMessage, matchesNodeSelection, preferenceScore, tolerates, untoleratedTaint } from "./scheduler-fit";

const node = (name: string, labels: Record<string, string>, allocatable: Record<string, string>, taints: unknown[] = []): KubeObject => ({
  apiVersion: "v1", kind: "Node", metadata: { name, labels }, spec: { taints }, status: { allocatable },
});
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test pods are partial specs
const pod = (spec: any): KubeObject => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" }, spec });
const container = (requests: Record<string, string>, limits?: Record<string, string>) => ({ name: "c", image: "x", resources: { requests, limits } });

describe("resources", () => {
  it("sums containers, takes the largest init container, counts limits-only extended resources", () => {
    const p = pod({
      containers: [container({ cpu: "500m", memory: "1Gi" }), { name: "gpu", resources: { limits: { "nvidia.com/mig-1g.10gb": "1" } } }],
      initContainers: [container({ cpu: "2" })],
    });
    expect(Object.fromEntries(podRequests(p))).toEqual({ pods: 1, cpu: 2000, memory: 2 ** 30, "nvidia.com/mig-1g.10gb": 1 });
  });

  it("reports each insufficient resource as kube-scheduler does", () => {
    const n = node("n", {}, { cpu: "4", memory: "8Gi", pods: "1", "nvidia.com/gpu": "1" });
    const used = new Map([["cpu", 3500], ["pods", 1]]);
    const r = filterNode(pod({ containers: [container({ cpu: "1", "nvidia.com/mig-1g.10gb": "1" })] }), podRequests(pod({ containers: [container({ cpu: "1", "nvidia.com/mig-1g.10gb": "1" })] })), n, nodeAllocatable(n), used);
    // The node has no MIG slices at all, so preemption could not help.
    expect(r).toEqual({ reasons: ["Too many pods", "Insufficient cpu", "Insufficient nvidia.com/mig-1g.10gb"], resourceOnly: false });
    const cpuOnly = pod({ containers: [container({ cpu: "1" })] });
    expect(filterNode(cpuOnly, podRequests(cpuOnly), n, nodeAllocatable(n), used)).toEqual({ reasons: ["Too many pods", "Insufficient cpu"], resourceOnly: true });
  });
});

describe("selectors and affinity", () => {
  const n = node("gpu-1", { "nvidia.com/gpu.product": "Tesla-T4", "nvidia.com/gpu.count": "8", zone: "a" }, {});
  it("nodeSelector must match every label", () => {
    expect(matchesNodeSelection(pod({ nodeSelector: { "nvidia.com/gpu.product": "Tesla-T4" } }), n)).toBe(true);
    expect(matchesNodeSelection(pod({ nodeSelector: { "nvidia.com/gpu.product": "NVIDIA-A30" } }), n)).toBe(false);
  });
  it("required affinity: terms are ORed, expressions ANDed, all operators", () => {
    const req = (matchExpressions: unknown[]) => pod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions }] } } } });
    expect(matchesNodeSelection(req([{ key: "zone", operator: "In", values: ["a", "b"] }, { key: "gpu", operator: "DoesNotExist" }]), n)).toBe(true);
    expect(matchesNodeSelection(req([{ key: "zone", operator: "NotIn", values: ["a"] }]), n)).toBe(false);
    expect(matchesNodeSelection(req([{ key: "nvidia.com/gpu.count", operator: "Gt", values: ["4"] }]), n)).toBe(true);
    expect(matchesNodeSelection(req([{ key: "nvidia.com/gpu.count", operator: "Lt", values: ["4"] }]), n)).toBe(false);
    expect(matchesNodeSelection(req([{ key: "zone", operator: "Exists" }]), n)).toBe(true);
    const two = pod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [
      { matchExpressions: [{ key: "zone", operator: "In", values: ["z"] }] },
      { matchFields: [{ key: "metadata.name", operator: "In", values: ["gpu-1"] }] },
    ] } } } });
    expect(matchesNodeSelection(two, n)).toBe(true);
  });
  it("preferred affinity weights and PreferNoSchedule taints score nodes", () => {
    const p = pod({ affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 9, preference: { matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }] } }] } } });
    expect(preferenceScore(p, n)).toBe(9);
    expect(preferenceScore(p, node("x", {}, {}, [{ key: "nvidia.com/gpu", effect: "PreferNoSchedule" }]))).toBe(-1);
  });
});

describe("taints and tolerations", () => {
  const vk = node("vk", {}, {}, [{ key: "virtual-node.interlink/no-schedule", value: "true", effect: "NoSchedule" }]);
  it("Exists and Equal operators, effect matching, empty key", () => {
    const taint = { key: "k", value: "v", effect: "NoSchedule" };
    expect(tolerates({ key: "k", operator: "Exists" }, taint)).toBe(true);
    expect(tolerates({ key: "k", operator: "Equal", value: "v" }, taint)).toBe(true);
    expect(tolerates({ key: "k", operator: "Equal", value: "w" }, taint)).toBe(false);
    expect(tolerates({ key: "k", operator: "Exists", effect: "NoExecute" }, taint)).toBe(false);
    expect(tolerates({ operator: "Exists" }, taint)).toBe(true);
  });
  it("an untolerated NoSchedule taint filters the node with the real message", () => {
    const p = pod({ containers: [] });
    expect(untoleratedTaint(p, vk)?.key).toBe("virtual-node.interlink/no-schedule");
    expect(filterNode(p, podRequests(p), vk, new Map([["pods", 10]]), new Map()).reasons).toEqual(["node(s) had untolerated taint {virtual-node.interlink/no-schedule: true}"]);
    const tolerating = pod({ tolerations: [{ key: "virtual-node.interlink/no-schedule", operator: "Exists" }] });
    expect(untoleratedTaint(tolerating, vk)).toBeUndefined();
  });
  it("formats the FailedScheduling message with sorted reasons", () => {
    const msg = fitErrorMessage(5, new Map([["node(s) had untolerated taint {virtual-node.interlink/no-schedule: true}", 2], ["Insufficient nvidia.com/mig-1g.10gb", 3]]),
      fitErrorMessage(5, new Map([["No preemption victims found for incoming pod", 3], ["Preemption is not helpful for scheduling", 2]])));
    expect(msg).toBe("0/5 nodes are available: 2 node(s) had untolerated taint {virtual-node.interlink/no-schedule: true}, 3 Insufficient nvidia.com/mig-1g.10gb. preemption: 0/5 nodes are available: 2 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod.");
  });
});

describe("preemption", () => {
  const gpu = (n: number) => new Map([["nvidia.com/gpu", n], ["pods", 1]]);
  const v = (key: string, priority: number, startMs: number, g = 1): Victim => ({ key, priority, startMs, req: gpu(g), terminating: false });
  const alloc = new Map([["nvidia.com/gpu", 4], ["pods", 110]]);
  const used = new Map([["nvidia.com/gpu", 4], ["pods", 4]]);

  it("removes only lower-priority pods, the least important first, and reprieves the rest", () => {
    const pods = [v("a", 100, 1), v("b", 10, 2), v("c", 10, 3), v("d", 1000, 4)];
    expect(selectVictims(500, gpu(1), alloc, used, pods)?.map((x) => x.key)).toEqual(["c"]);
    expect(selectVictims(500, gpu(2), alloc, used, pods)?.map((x) => x.key).sort()).toEqual(["b", "c"]);
    expect(selectVictims(500, gpu(4), alloc, used, pods)).toBeUndefined();
    expect(selectVictims(5, gpu(1), alloc, used, pods)).toBeUndefined();
  });

  it("ignores pods already terminating", () => {
    expect(selectVictims(500, gpu(1), alloc, used, [{ ...v("a", 1, 1), terminating: true }])).toBeUndefined();
  });

  it("prefers the node whose most important victim has the lowest priority, then fewer victims", () => {
    expect(pickPreemptionNode([
      { node: "n1", victims: [v("a", 100, 1)] },
      { node: "n2", victims: [v("b", 10, 1), v("c", 10, 1)] },
      { node: "n3", victims: [v("d", 10, 1)] },
    ])?.node).toBe("n3");
  });
});
