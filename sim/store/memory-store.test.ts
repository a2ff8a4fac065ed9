import { describe, it, expect, beforeEach } from "vitest";
import { registerBuiltins } from "../api/builtin-resources";
import { MemoryStore } from "./memory-store";
import { ApiError, type KubeObject, type WatchEvent } from "./types";

const pod = (name: string, extra: Partial<KubeObject["metadata"]> = {}, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "default", ...extra },
  spec: { containers: [{ name: "main", image: "busybox:1.36" }], ...spec },
});

function thrown(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error("expected an ApiError");
}

let store: MemoryStore;
beforeEach(() => {
  store = new MemoryStore({ historySize: 50 });
  registerBuiltins(store);
  store.create("namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "default" } });
});

describe("create", () => {
  it("fills identity, versions and pod defaults", () => {
    const p = store.create("pods", pod("", { generateName: "web-" }));
    expect(p.metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(p.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(p.metadata.resourceVersion)).toBeGreaterThan(0);
    expect(p.metadata.creationTimestamp).toMatch(/Z$/);
    expect(p.spec.restartPolicy).toBe("Always");
    expect(p.spec.terminationGracePeriodSeconds).toBe(30);
    expect(p.spec.schedulerName).toBe("default-scheduler");
    expect(p.spec.containers[0].imagePullPolicy).toBe("IfNotPresent");
    expect(p.status).toEqual({ phase: "Pending", qosClass: "BestEffort" });
  });

  it("copies the input and answers with a copy; given the input to own (a parsed request body), keeps it and answers with the stored object", () => {
    const input = pod("copied");
    const copied = store.create("pods", input);
    input.metadata.labels = { changed: "later" };
    copied.metadata.labels = { changed: "too" };
    expect(store.getRaw("pods", "default", "copied")!.metadata.labels).toBeUndefined();

    const owned = pod("owned");
    const stored = store.create("pods", owned, true);
    expect(stored).toBe(owned);
    expect(stored).toBe(store.getRaw("pods", "default", "owned"));
    expect(Object.isFrozen(stored) && Object.isFrozen(stored.spec.containers[0])).toBe(true);
  });

  it("defaults jobs with the controller labels and selector", () => {
    const j = store.create("batch/jobs", {
      apiVersion: "batch/v1", kind: "Job", metadata: { name: "train", namespace: "default" },
      spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "x" }] } } },
    });
    expect(j.spec).toMatchObject({ completions: 1, parallelism: 1, backoffLimit: 6, completionMode: "NonIndexed", suspend: false });
    expect(j.spec.template.metadata.labels["batch.kubernetes.io/job-name"]).toBe("train");
    expect(j.spec.selector.matchLabels["batch.kubernetes.io/controller-uid"]).toBe(j.metadata.uid);
  });

  it("answers 409 AlreadyExists and 404 for a missing namespace", () => {
    store.create("pods", pod("a"));
    expect(thrown(() => store.create("pods", pod("a"))).code).toBe(409);
    const e = thrown(() => store.create("pods", { ...pod("b"), metadata: { name: "b", namespace: "nope" } }));
    expect([e.code, e.message]).toEqual([404, 'namespaces "nope" not found']);
  });

  it("validates names, labels, containers and quantities with field causes", () => {
    const e = thrown(() =>
      store.create("pods", pod("Bad_Name", { labels: { "bad key": "v" } }, { containers: [{ name: "c", resources: { requests: { cpu: "lots" } } }] })),
    );
    expect(e.code).toBe(422);
    expect(e.reason).toBe("Invalid");
    const fields = e.details?.causes?.map((c) => c.field);
    expect(fields).toEqual(expect.arrayContaining(["metadata.name", "metadata.labels", "spec.containers[0].image", "spec.containers[0].resources.requests[cpu]"]));
    expect(e.message).toMatch(/^Pod "Bad_Name" is invalid: \[/);
  });
});

describe("update", () => {
  it("rejects a stale resourceVersion with the real Conflict message", () => {
    const p = store.create("pods", pod("a"));
    store.mutate("pods", "default", "a", (o) => (o.metadata.labels = { x: "1" }));
    const e = thrown(() => store.update("pods", { ...p, metadata: { ...p.metadata, labels: { x: "2" } } }));
    expect(e.code).toBe(409);
    expect(e.message).toBe('Operation cannot be fulfilled on pods "a": the object has been modified; please apply your changes to the latest version and try again');
  });

  it("keeps status out of main updates and spec out of status updates", () => {
    store.create("pods", pod("a"));
    const viaMain = store.mutate("pods", "default", "a", (o) => (o.status = { phase: "Running" }));
    expect(viaMain.status.phase).toBe("Pending");
    // Through the API (PUT …/status), as a real API server does: the spec sent along is ignored.
    const sent = structuredClone(store.get("pods", "default", "a")!);
    sent.status = { phase: "Running" };
    sent.spec.containers[0].image = "other";
    const viaStatus = store.update("pods", sent, { subresource: "status" });
    expect(viaStatus.status.phase).toBe("Running");
    expect(viaStatus.spec.containers[0].image).toBe("busybox:1.36");
    // In-process, a status mutator that writes the spec is a bug in the simulator: it throws.
    expect(() => store.mutate("pods", "default", "a", (o) => (o.spec.containers[0].image = "other"), { subresource: "status" })).toThrow(TypeError);
    expect(store.get("pods", "default", "a")!.spec.containers[0].image).toBe("busybox:1.36");
  });

  it("allows image changes but forbids other pod spec changes", () => {
    store.create("pods", pod("a"));
    expect(store.mutate("pods", "default", "a", (o) => (o.spec.containers[0].image = "busybox:2")).spec.containers[0].image).toBe("busybox:2");
    expect(thrown(() => store.mutate("pods", "default", "a", (o) => (o.spec.restartPolicy = "Never"))).code).toBe(422);
  });

  it("does not bump the version for a no-op update", () => {
    const p = store.create("pods", pod("a"));
    expect(store.update("pods", p).metadata.resourceVersion).toBe(p.metadata.resourceVersion);
  });
});

describe("delete", () => {
  it("deletes a bound pod gracefully and an unbound one at once", () => {
    store.create("pods", pod("bound", {}, { nodeName: "n1" }));
    store.create("pods", pod("free"));
    const d = store.delete("pods", "default", "bound");
    expect(d?.metadata.deletionTimestamp).toBeDefined();
    expect(d?.metadata.deletionGracePeriodSeconds).toBe(30);
    expect(store.get("pods", "default", "bound")).toBeDefined();
    store.finalizeDelete("pods", "default", "bound");
    expect(store.get("pods", "default", "bound")).toBeUndefined();
    store.delete("pods", "default", "free");
    expect(store.get("pods", "default", "free")).toBeUndefined();
  });

  it("waits for finalizers", () => {
    store.create("configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "default", finalizers: ["x/y"] } });
    store.delete("configmaps", "default", "c");
    expect(store.get("configmaps", "default", "c")?.metadata.deletionTimestamp).toBeDefined();
    store.mutate("configmaps", "default", "c", (o) => (o.metadata.finalizers = []));
    expect(store.get("configmaps", "default", "c")).toBeUndefined();
  });

  const owned = () => {
    const cm = store.create("configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "owner", namespace: "default" } });
    const ref = { apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: cm.metadata.uid!, controller: true, blockOwnerDeletion: true };
    store.create("pods", pod("child", { ownerReferences: [ref] }, { nodeName: "n1" }));
  };

  it("collects dependents in the background", () => {
    owned();
    store.delete("configmaps", "default", "owner", { propagationPolicy: "Background" });
    expect(store.get("configmaps", "default", "owner")).toBeUndefined();
    expect(store.get("pods", "default", "child")?.metadata.deletionTimestamp).toBeDefined();
  });

  it("orphans dependents", () => {
    owned();
    store.delete("configmaps", "default", "owner", { propagationPolicy: "Orphan" });
    const child = store.get("pods", "default", "child");
    expect(child?.metadata.ownerReferences).toBeUndefined();
    expect(child?.metadata.deletionTimestamp).toBeUndefined();
  });

  it("keeps a foreground owner until its dependents are gone", () => {
    owned();
    store.delete("configmaps", "default", "owner", { propagationPolicy: "Foreground" });
    expect(store.get("configmaps", "default", "owner")?.metadata.finalizers).toContain("foregroundDeletion");
    store.finalizeDelete("pods", "default", "child");
    expect(store.get("configmaps", "default", "owner")).toBeUndefined();
  });

  it("deletes a namespace with its contents", () => {
    store.create("namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "team" } });
    store.create("pods", { ...pod("p"), metadata: { name: "p", namespace: "team" } });
    store.delete("namespaces", undefined, "team");
    expect(store.get("namespaces", undefined, "team")).toBeUndefined();
    expect(store.list("pods", { namespace: "team" })).toEqual([]);
  });
});

describe("list and watch", () => {
  it("filters by labels and fields through the indexes", () => {
    for (let i = 0; i < 20; i++) store.create("pods", pod(`p${i}`, { labels: { app: i % 2 ? "odd" : "even" } }, i < 3 ? { nodeName: "n1" } : {}));
    expect(store.list("pods", { labelSelector: "app=odd" })).toHaveLength(10);
    expect(store.list("pods", { fieldSelector: "spec.nodeName=n1" }).map((p) => p.metadata.name)).toEqual(["p0", "p1", "p2"]);
    expect(store.list("pods", { labelSelector: "app in (even),app!=odd", fieldSelector: "metadata.name=p4" })).toHaveLength(1);
  });

  it("replays from a resourceVersion, turns selector transitions into ADDED/DELETED, and answers 410 when too old", () => {
    const start = store.currentResourceVersion();
    store.create("pods", pod("a"));
    store.mutate("pods", "default", "a", (o) => (o.metadata.labels = { app: "x" }));
    const seen: WatchEvent[] = [];
    store.watch("pods", (e) => seen.push(e), { labelSelector: "app=x", resourceVersion: start });
    store.mutate("pods", "default", "a", (o) => (o.metadata.labels = { app: "y" }));
    expect(seen.map((e) => e.type)).toEqual(["ADDED", "DELETED"]);
    store.compactHistory();
    const e = thrown(() => store.watch("pods", () => {}, { resourceVersion: start }));
    expect(e.code).toBe(410);
    expect(e.message).toMatch(/^too old resource version: \d+ \(\d+\)$/);
  });

  it("drops history beyond its bound", () => {
    const start = store.currentResourceVersion();
    for (let i = 0; i < 60; i++) store.create("configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `c${i}`, namespace: "default" } });
    expect(thrown(() => store.watch("configmaps", () => {}, { resourceVersion: start })).code).toBe(410);
    expect(() => store.watch("configmaps", () => {}, { resourceVersion: String(Number(store.currentResourceVersion()) - 10) })).not.toThrow();
  });
});
