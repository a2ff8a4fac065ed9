import { describe, it, expect } from "vitest";
import { clusterQueueModel, flavorModel, frKey, workloadModel, type WorkloadModel } from "./model";
import { addUsage, assignFlavors, available, type Snapshot } from "./quota";
import type { KubeObject } from "../store/types";

const mig = "nvidia.com/mig-1g.10gb";

function cq(name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: "kueue.x-k8s.io/v1beta1", kind: "ClusterQueue", metadata: { name }, spec };
}
function rg(flavors: [string, Record<string, string | number>, Record<string, string | number>?][], covered?: string[]) {
  return [{
    coveredResources: covered ?? Object.keys(flavors[0]![1]),
    flavors: flavors.map(([name, nominal, extra]) => ({
      name,
      resources: Object.entries(nominal).map(([r, v]) => ({ name: r, nominalQuota: String(v), ...(extra?.[r] !== undefined ? { borrowingLimit: String(extra[r]) } : {}) })),
    })),
  }];
}
function snap(cqs: KubeObject[], flavors: KubeObject[] = []): Snapshot {
  const fl = flavors.length ? flavors : [...new Set(cqs.flatMap((c) => c.spec.resourceGroups.flatMap((g: { flavors: { name: string }[] }) => g.flavors.map((f) => f.name))))].map((n) => ({ apiVersion: "", kind: "ResourceFlavor", metadata: { name: n }, spec: {} }));
  return { cqs: new Map(cqs.map((c) => [c.metadata.name!, clusterQueueModel(c)])), flavors: new Map(fl.map((f) => [f.metadata.name!, flavorModel(f)])), usage: new Map() };
}
function wl(name: string, requests: Record<string, string>, count = 1, extra: { nodeSelector?: Record<string, string> } = {}): WorkloadModel {
  return workloadModel({
    apiVersion: "", kind: "Workload", metadata: { name, namespace: "ns", uid: `uid-${name}`, creationTimestamp: "2026-01-01T00:00:00Z" },
    spec: { podSets: [{ name: "main", count, template: { spec: { nodeSelector: extra.nodeSelector, containers: [{ name: "c", resources: { requests } }] } } }] },
  }, 0);
}

describe("assignFlavors", () => {
  it("fits within nominal quota and reports the flavor per resource", () => {
    const s = snap([cq("a", { resourceGroups: rg([["mig-1g-10gb", { [mig]: 2 }]]) })]);
    const r = assignFlavors(s, wl("w", { [mig]: "1" }, 2), "a");
    expect(r.mode).toBe("Fit");
    if (r.mode !== "Fit") return;
    expect(r.assignments).toEqual([{ name: "main", flavors: { [mig]: "mig-1g-10gb" }, resourceUsage: { [mig]: 2 }, count: 2 }]);
  });

  it.each([
    // [used, request, expected message]
    [2, "1", `couldn't assign flavors to pod set main: insufficient unused quota for ${mig} in flavor mig-1g-10gb, 1 more needed`],
    [1, "2", `couldn't assign flavors to pod set main: insufficient unused quota for ${mig} in flavor mig-1g-10gb, 1 more needed`],
    [0, "3", `couldn't assign flavors to pod set main: insufficient quota for ${mig} in flavor mig-1g-10gb, request > maximum capacity (3 > 2)`],
  ])("with %i used, a request of %s is pending with Kueue's message", (used, req, message) => {
    const s = snap([cq("a", { resourceGroups: rg([["mig-1g-10gb", { [mig]: 2 }]]) })]);
    addUsage(s, "a", new Map([[frKey("mig-1g-10gb", mig), used]]), 1);
    const r = assignFlavors(s, wl("w", { [mig]: req }), "a");
    expect(r.mode).not.toBe("Fit");
    expect("message" in r && r.message).toBe(message);
  });

  it("says which resource the ClusterQueue does not cover", () => {
    const s = snap([cq("a", { resourceGroups: rg([["f", { [mig]: 2 }]]) })]);
    const r = assignFlavors(s, wl("w", { [mig]: "1", cpu: "500m" }), "a");
    expect(r).toEqual({ mode: "NoFit", message: "couldn't assign flavors to pod set main: resource cpu unavailable in ClusterQueue" });
    expect(assignFlavors(s, wl("w", { [mig]: "1", cpu: "500m" }), "a", (x) => x === "cpu").mode).toBe("Fit");
  });

  it("tries flavors in order and skips a flavor whose nodeLabels conflict with the nodeSelector", () => {
    const flavors = [
      { apiVersion: "", kind: "ResourceFlavor", metadata: { name: "t4" }, spec: { nodeLabels: { "nvidia.com/gpu.product": "Tesla-T4" } } },
      { apiVersion: "", kind: "ResourceFlavor", metadata: { name: "a30" }, spec: { nodeLabels: { "nvidia.com/gpu.product": "NVIDIA-A30" } } },
    ];
    const s = snap([cq("a", { resourceGroups: rg([["t4", { "nvidia.com/gpu": 1 }], ["a30", { "nvidia.com/gpu": 4 }]]) })], flavors);
    const first = assignFlavors(s, wl("w", { "nvidia.com/gpu": "1" }), "a");
    expect(first.mode === "Fit" && first.assignments[0]!.flavors).toEqual({ "nvidia.com/gpu": "t4" });
    const second = assignFlavors(s, wl("w", { "nvidia.com/gpu": "2" }), "a");
    expect(second.mode === "Fit" && second.assignments[0]!.flavors).toEqual({ "nvidia.com/gpu": "a30" });
    const pinned = assignFlavors(s, wl("w", { "nvidia.com/gpu": "1" }, 1, { nodeSelector: { "nvidia.com/gpu.product": "NVIDIA-A30" } }), "a");
    expect(pinned.mode === "Fit" && pinned.assignments[0]!.flavors).toEqual({ "nvidia.com/gpu": "a30" });
  });
});

describe("available (cohorts)", () => {
  const cohort = () => snap([
    cq("interactive", { cohort: "gpus", resourceGroups: rg([["f", { [mig]: 4 }]]) }),
    cq("batch", { cohort: "gpus", resourceGroups: rg([["f", { [mig]: 0 }]]) }),
    cq("capped", { cohort: "gpus", resourceGroups: rg([["f", { [mig]: 0 }, { [mig]: 1 }]]) }),
  ]);
  it.each([
    ["batch borrows everything the cohort has unused", "batch", 0, 4],
    ["borrowingLimit caps what a queue takes from the cohort", "capped", 0, 1],
    ["usage by the lender reduces what others can borrow", "batch", 3, 1],
    ["the lender sees its own nominal minus its usage", "interactive", 3, 1],
  ])("%s", (_t, name, interactiveUsed, expected) => {
    const s = cohort();
    addUsage(s, "interactive", new Map([[frKey("f", mig), interactiveUsed]]), 1);
    expect(available(s, name, "f", mig)).toBe(expected);
  });

  it("lendingLimit keeps part of the quota for its owner", () => {
    const s = snap([
      cq("a", { cohort: "c", resourceGroups: [{ coveredResources: [mig], flavors: [{ name: "f", resources: [{ name: mig, nominalQuota: "4", lendingLimit: "1" }] }] }] }),
      cq("b", { cohort: "c", resourceGroups: rg([["f", { [mig]: 0 }]]) }),
    ]);
    expect(available(s, "b", "f", mig)).toBe(1);
    expect(available(s, "a", "f", mig)).toBe(4);
  });

  it("a borrowing workload fits and is marked as borrowing", () => {
    const s = cohort();
    const r = assignFlavors(s, wl("w", { [mig]: "2" }), "batch");
    expect(r.mode === "Fit" && r.borrows).toBe(true);
  });
});
