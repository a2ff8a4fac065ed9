import { describe, it, expect, beforeEach } from "vitest";
import { registerBuiltins } from "../api/builtin-resources";
import { MemoryStore } from "./memory-store";
import { ApiError, type KubeObject } from "./types";

// KEP-3838: a pod that still has scheduling gates may gain scheduling directives.
let store: MemoryStore;
beforeEach(() => {
  store = new MemoryStore({ historySize: 50 });
  registerBuiltins(store);
  store.create("namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "default" } });
});

const term = (key: string, values: string[]) => ({ key, operator: "In", values });
function create(name: string, spec: Record<string, unknown>): KubeObject {
  return store.create("pods", {
    apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default" },
    spec: { containers: [{ name: "main", image: "busybox:1.36" }], ...spec },
  });
}
function update(name: string, fn: (spec: Record<string, unknown> & { nodeSelector?: Record<string, string> }) => void): ApiError | undefined {
  try {
    store.mutate("pods", "default", name, (o) => fn(o.spec));
    return undefined;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
}
const gated = { schedulingGates: [{ name: "kueue.x-k8s.io/admission" }], nodeSelector: { zone: "a" } };

describe("updates of a gated pod's scheduling directives", () => {
  it("allows adding nodeSelector keys in the update that removes the last gate", () => {
    create("p", gated);
    expect(update("p", (s) => {
      delete s.schedulingGates;
      s.nodeSelector = { zone: "a", accelerator: "a100-mig" };
    })).toBeUndefined();
    expect(store.get("pods", "default", "p")!.spec.nodeSelector).toEqual({ zone: "a", accelerator: "a100-mig" });
  });

  it.each([
    ["changing a key", (s: { nodeSelector?: Record<string, string> }) => { s.nodeSelector = { zone: "b" }; }],
    ["removing a key", (s: { nodeSelector?: Record<string, string> }) => { delete s.nodeSelector; }],
  ])("rejects %s with 422 on spec.nodeSelector", (_label, fn) => {
    create("p", gated);
    const e = update("p", fn);
    expect(e?.code).toBe(422);
    expect(e?.details?.causes).toEqual([expect.objectContaining({ field: "spec.nodeSelector", reason: "FieldValueInvalid", message: expect.stringContaining("only additions to spec.nodeSelector are allowed (no mutations or deletions)") })]);
  });

  it("rejects adding a nodeSelector key once the pod is ungated", () => {
    create("p", { nodeSelector: { zone: "a" } });
    const e = update("p", (s) => { s.nodeSelector = { zone: "a", extra: "x" }; });
    expect(e?.code).toBe(422);
    expect(e?.details?.causes?.[0]).toMatchObject({ field: "spec", reason: "FieldValueForbidden" });
  });

  it("lets required node affinity terms gain requirements but not change their number", () => {
    const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [term("zone", ["a"])] }] } } };
    create("p", { ...gated, affinity });
    expect(update("p", (s) => {
      s.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [term("zone", ["a"]), term("gpu", ["a100"])] }] } } };
    })).toBeUndefined();
    const more = update("p", (s) => {
      s.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [term("zone", ["a"])] }, { matchExpressions: [term("x", ["y"])] }] } } };
    });
    expect(more?.details?.causes?.[0]?.message).toContain("no additions/deletions to non-empty NodeSelectorTerms list are allowed");
    const changed = update("p", (s) => {
      s.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [term("zone", ["b"])] }] } } };
    });
    expect(changed?.details?.causes?.[0]).toMatchObject({ field: "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]" });
  });

  it("allows setting node affinity where there was none, and adding tolerations", () => {
    create("p", gated);
    expect(update("p", (s) => {
      s.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [term("gpu", ["a100"])] }] } } };
      s.tolerations = [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }];
    })).toBeUndefined();
  });

  it("still rejects other spec changes of a gated pod", () => {
    create("p", gated);
    expect(update("p", (s) => { s.restartPolicy = "Never"; })?.details?.causes?.[0]).toMatchObject({ field: "spec", reason: "FieldValueForbidden" });
  });
});
