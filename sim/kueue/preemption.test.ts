import { describe, it, expect } from "vitest";
import { clusterQueueModel, flavorModel, frKey, type WorkloadModel } from "./model";
import { addUsage, type Snapshot } from "./quota";
import { findTargets, preemptionMessage, queueOrder, type AdmittedWorkload } from "./preemption";
import type { KubeObject } from "../store/types";

const mig = "nvidia.com/mig-1g.10gb";
const F = "mig-1g-10gb";

function cq(name: string, quota: number, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "", kind: "ClusterQueue", metadata: { name },
    spec: { ...spec, resourceGroups: [{ coveredResources: [mig], flavors: [{ name: F, resources: [{ name: mig, nominalQuota: String(quota) }] }] }] },
  };
}
const wl = (name: string, priority: number, timestamp = 0): WorkloadModel => ({ key: `ns/${name}`, uid: `uid-${name}`, jobUid: `job-${name}`, clusterQueue: "", priority, timestamp, podSets: [] });
const need = (n: number) => new Map([[frKey(F, mig), n]]);

function setup(cqs: KubeObject[], running: [string, string, number, number][]): { s: Snapshot; admitted: AdmittedWorkload[] } {
  const s: Snapshot = { cqs: new Map(cqs.map((c) => [c.metadata.name!, clusterQueueModel(c)])), flavors: new Map([[F, flavorModel({ apiVersion: "", kind: "", metadata: { name: F } })]]), usage: new Map() };
  const admitted = running.map(([name, queue, priority, admittedAt]) => {
    const a: AdmittedWorkload = { wl: wl(name, priority), clusterQueue: queue, usage: need(1), admittedAt, evicting: false };
    addUsage(s, queue, a.usage, 1);
    return a;
  });
  return { s, admitted };
}

describe("findTargets", () => {
  it.each([
    ["Never protects everything in the queue", "Never", 5, null],
    ["LowerPriority takes the lowest priority, most recently admitted", "LowerPriority", 5, ["b2"]],
    ["LowerPriority never takes an equal priority", "LowerPriority", 1, null],
    ["LowerOrNewerEqualPriority takes an equal-priority newer workload", "LowerOrNewerEqualPriority", 1, ["b2"]],
  ])("withinClusterQueue: %s", (_t, policy, prio, expected) => {
    const { s, admitted } = setup([cq("q", 2, { preemption: { withinClusterQueue: policy } })], [["b1", "q", 1, 1], ["b2", "q", 1, 2]]);
    const preemptor = wl("p", prio as number, -1);
    const t = findTargets(s, preemptor, "q", need(1), admitted.map((a) => ({ ...a, wl: { ...a.wl, timestamp: a.admittedAt } })));
    expect(t === null ? null : t.map((x) => x.victim.wl.key.slice(3))).toEqual(expected);
    if (t?.length) expect(t[0]!.reason).toBe("InClusterQueue");
  });

  it.each([
    ["Any reclaims from a borrowing queue whatever its priority", "Any", 0, ["b2"]],
    ["LowerPriority reclaims only lower priorities", "LowerPriority", 0, null],
    ["Never does not reclaim", "Never", 0, null],
  ])("reclaimWithinCohort: %s", (_t, policy, prio, expected) => {
    const { s, admitted } = setup(
      [cq("interactive", 2, { cohort: "gpus", preemption: { reclaimWithinCohort: policy } }), cq("batch", 0, { cohort: "gpus" })],
      [["b1", "batch", 10, 1], ["b2", "batch", 10, 2]],
    );
    const t = findTargets(s, wl("p", prio), "interactive", need(1), admitted);
    expect(t === null ? null : t.map((x) => x.victim.wl.key.slice(3))).toEqual(expected);
    if (t?.length) expect(t[0]!.reason).toBe("InCohortReclamation");
  });

  it("borrowWithinCohort lets a preemptor that must borrow reclaim lower priorities (InCohortReclaimWhileBorrowing)", () => {
    const { s, admitted } = setup(
      [
        cq("a", 1, { cohort: "c", preemption: { reclaimWithinCohort: "LowerPriority", borrowWithinCohort: { policy: "LowerPriority" } } }),
        cq("b", 0, { cohort: "c" }),
        cq("lender", 2, { cohort: "c" }),
      ],
      [["a1", "a", 5, 1], ["b1", "b", 0, 2], ["b2", "b", 0, 3]],
    );
    const t = findTargets(s, wl("p", 5), "a", need(2), admitted);
    expect(t?.map((x) => [x.victim.wl.key, x.reason])).toEqual([["ns/b2", "InCohortReclaimWhileBorrowing"], ["ns/b1", "InCohortReclaimWhileBorrowing"]]);
    const without = setup([cq("a", 1, { cohort: "c", preemption: { reclaimWithinCohort: "LowerPriority" } }), cq("b", 0, { cohort: "c" }), cq("lender", 2, { cohort: "c" })], [["a1", "a", 5, 1], ["b1", "b", 0, 2], ["b2", "b", 0, 3]]);
    expect(findTargets(without.s, wl("p", 5), "a", need(2), without.admitted)).toBeNull();
  });

  it("does not take from a queue that is within its nominal quota", () => {
    const { s, admitted } = setup(
      [cq("a", 1, { cohort: "c", preemption: { reclaimWithinCohort: "Any" } }), cq("b", 1, { cohort: "c" })],
      [["b1", "b", 0, 1], ["a1", "a", 0, 1]],
    );
    expect(findTargets(s, wl("p", 0), "a", need(1), admitted)).toBeNull();
  });

  it("waits without new victims when workloads being evicted will free enough", () => {
    const { s, admitted } = setup([cq("interactive", 2, { cohort: "g", preemption: { reclaimWithinCohort: "Any" } }), cq("batch", 0, { cohort: "g" })], [["b1", "batch", 0, 1], ["b2", "batch", 0, 2]]);
    admitted[1]!.evicting = true;
    expect(findTargets(s, wl("p", 0), "interactive", need(1), admitted)).toEqual([]);
  });

  it("evicts the fewest workloads needed (minimisation)", () => {
    const { s, admitted } = setup([cq("i", 3, { cohort: "g", preemption: { reclaimWithinCohort: "Any" } }), cq("b", 0, { cohort: "g" })], [["b1", "b", 0, 1], ["b2", "b", 0, 2], ["b3", "b", 0, 3]]);
    expect(findTargets(s, wl("p", 0), "i", need(2), admitted)!.map((t) => t.victim.wl.key)).toEqual(["ns/b3", "ns/b2"]);
  });
});

describe("messages and order", () => {
  it("formats Kueue's preemption message", () => {
    expect(preemptionMessage(wl("p", 0), "InCohortReclamation")).toBe("Preempted to accommodate a workload (UID: uid-p, JobUID: job-p) due to reclamation within the cohort");
    expect(preemptionMessage(wl("p", 0), "InClusterQueue")).toBe("Preempted to accommodate a workload (UID: uid-p, JobUID: job-p) due to prioritization in the ClusterQueue");
  });
  it("orders by priority, then age", () => {
    const list = [wl("c", 0, 3), wl("a", 0, 1), wl("hi", 10, 9), wl("b", 0, 2)];
    expect(list.sort(queueOrder).map((w) => w.key)).toEqual(["ns/hi", "ns/a", "ns/b", "ns/c"]);
  });
});
