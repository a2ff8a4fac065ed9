import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ApiException,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  Watch,
  type V1Pod,
} from "@kubernetes/client-node";
import { startTestSim, type TestSim } from "../test/start-api-sim";

let sim: TestSim;
let kc: KubeConfig;
let core: CoreV1Api;
let batch: BatchV1Api;

const pod = (name: string, labels: Record<string, string> = {}): V1Pod => ({
  metadata: { name, labels },
  spec: { containers: [{ name: "main", image: "busybox:1.36" }] },
});

async function apiError(p: Promise<unknown>): Promise<{ code: number; body: { reason?: string; message?: string; details?: { causes?: { field: string }[] } } }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiException) return { code: e.code, body: typeof e.body === "string" ? JSON.parse(e.body) : e.body };
    throw e;
  }
  throw new Error("expected an ApiException");
}

async function until<T>(fn: () => T | undefined, what: string): Promise<T> {
  for (const end = Date.now() + 60_000; Date.now() < end; ) {
    const v = fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  sim = await startTestSim();
  kc = new KubeConfig();
  kc.loadFromFile(sim.kubeconfigPath);
  core = kc.makeApiClient(CoreV1Api);
  batch = kc.makeApiClient(BatchV1Api);
});
afterAll(async () => sim?.close());

describe("client-node against the simulator", () => {
  it("creates, reads, lists with selectors and pages", async () => {
    for (let i = 0; i < 5; i++) await core.createNamespacedPod({ namespace: "default", body: pod(`page-${i}`, { suite: "paging", idx: String(i) }) });
    const got = await core.readNamespacedPod({ name: "page-0", namespace: "default" });
    expect(got.status?.phase).toBe("Pending");
    const sel = await core.listNamespacedPod({ namespace: "default", labelSelector: "suite=paging,idx in (1,3)" });
    expect(sel.items.map((p) => p.metadata?.name)).toEqual(["page-1", "page-3"]);
    const first = await core.listNamespacedPod({ namespace: "default", labelSelector: "suite=paging", limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.metadata?._continue).toBeTruthy();
    const second = await core.listNamespacedPod({ namespace: "default", labelSelector: "suite=paging", limit: 10, _continue: first.metadata?._continue });
    expect(second.items.map((p) => p.metadata?.name)).toEqual(["page-2", "page-3", "page-4"]);
  });

  it("returns Status errors with the right codes", async () => {
    expect((await apiError(core.readNamespacedPod({ name: "nope", namespace: "default" }))).code).toBe(404);
    await core.createNamespacedPod({ namespace: "default", body: pod("dup") });
    const dup = await apiError(core.createNamespacedPod({ namespace: "default", body: pod("dup") }));
    expect([dup.code, dup.body.reason]).toEqual([409, "AlreadyExists"]);
    const invalid = await apiError(core.createNamespacedPod({ namespace: "default", body: pod("Not_Valid") }));
    expect([invalid.code, invalid.body.reason, invalid.body.details?.causes?.[0]?.field]).toEqual([422, "Invalid", "metadata.name"]);
    const cur = await core.readNamespacedPod({ name: "dup", namespace: "default" });
    await core.patchNamespacedPod({ name: "dup", namespace: "default", body: { metadata: { labels: { v: "1" } } } }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
    const stale = await apiError(core.replaceNamespacedPod({ name: "dup", namespace: "default", body: cur }));
    expect([stale.code, stale.body.reason]).toEqual([409, "Conflict"]);
  });

  it("patches with strategic merge, JSON patch and server-side apply", async () => {
    await core.createNamespacedPod({ namespace: "default", body: { ...pod("patched"), spec: { containers: [{ name: "a", image: "x:1" }, { name: "b", image: "y:1" }] } } });
    const smp = await core.patchNamespacedPod(
      { name: "patched", namespace: "default", body: { spec: { containers: [{ name: "b", image: "y:2" }] } } },
      setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
    );
    expect(smp.spec?.containers.map((c) => c.image)).toEqual(["x:1", "y:2"]);
    const jp = await core.patchNamespacedPod(
      { name: "patched", namespace: "default", body: [{ op: "add", path: "/metadata/annotations", value: { a: "b" } }] },
      setHeaderOptions("Content-Type", PatchStrategy.JsonPatch),
    );
    expect(jp.metadata?.annotations).toEqual({ a: "b" });
    const cm = await core.patchNamespacedConfigMap(
      { name: "applied", namespace: "default", fieldManager: "test", body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "applied" }, data: { k: "v" } } },
      setHeaderOptions("Content-Type", PatchStrategy.ServerSideApply),
    );
    expect(cm.data).toEqual({ k: "v" });
  });

  it("runs jobs and custom-object style access through the batch group", async () => {
    const job = await batch.createNamespacedJob({
      namespace: "default",
      body: { metadata: { name: "train" }, spec: { suspend: true, template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "x" }] } } } },
    });
    expect(job.spec?.template.metadata?.labels?.["job-name"]).toBe("train");
    const custom = kc.makeApiClient(CustomObjectsApi);
    const viaCustom = (await custom.getNamespacedCustomObject({ group: "batch", version: "v1", namespace: "default", plural: "jobs", name: "train" })) as { spec: { suspend: boolean } };
    expect(viaCustom.spec.suspend).toBe(true);
    await batch.deleteNamespacedJob({ name: "train", namespace: "default", propagationPolicy: "Background" });
    expect((await apiError(batch.readNamespacedJob({ name: "train", namespace: "default" }))).code).toBe(404);
  });

  it("binds a pod through pods/binding: the node and PodScheduled=True in one version, as the API server writes it; a second binding is 409", async () => {
    const created = await core.createNamespacedPod({ namespace: "default", body: pod("bind-me") });
    const versions: V1Pod[] = [];
    const req = await new Watch(kc).watch(
      "/api/v1/namespaces/default/pods",
      { resourceVersion: created.metadata!.resourceVersion, fieldSelector: "metadata.name=bind-me" },
      (_type, obj: V1Pod) => versions.push(obj),
      () => {},
    );
    await core.createNamespacedPodBinding({ name: "bind-me", namespace: "default", body: { metadata: { name: "bind-me" }, target: { kind: "Node", name: "node-a" } } });
    const bound = await until(() => versions.find((v) => v.spec?.nodeName), "the bound version");
    expect(bound.spec!.nodeName).toBe("node-a");
    expect(bound.status!.conditions!.find((c) => c.type === "PodScheduled")).toMatchObject({ status: "True" });
    expect(Number(bound.metadata!.resourceVersion)).toBe(Number(created.metadata!.resourceVersion) + 1);
    expect(bound.spec!.containers).toEqual(created.spec!.containers);
    const again = await apiError(core.createNamespacedPodBinding({ name: "bind-me", namespace: "default", body: { metadata: { name: "bind-me" }, target: { kind: "Node", name: "node-b" } } }));
    expect(again.code).toBe(409);
    req.abort();
  });

  it("streams watch events from a resourceVersion", async () => {
    const list = await core.listNamespacedConfigMap({ namespace: "default" });
    const seen: string[] = [];
    const req = await new Watch(kc).watch(
      "/api/v1/namespaces/default/configmaps",
      { resourceVersion: list.metadata?.resourceVersion, allowWatchBookmarks: true },
      (type, obj: { metadata: { name: string } }) => seen.push(`${type} ${obj.metadata.name}`),
      () => {},
    );
    await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "watched" }, data: { a: "1" } } });
    await core.deleteNamespacedConfigMap({ name: "watched", namespace: "default" });
    await until(() => seen.includes("DELETED watched") || undefined, "the DELETED event");
    expect(seen.filter((s) => s.endsWith(" watched"))).toEqual(["ADDED watched", "DELETED watched"]);
    req.abort();
  });

  it("ends a watch after timeoutSeconds and marks the end of initial events with a bookmark", async () => {
    await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "initial" } } });
    const seen: string[] = [];
    let ended = false;
    await new Watch(kc).watch(
      "/api/v1/namespaces/default/configmaps",
      { sendInitialEvents: true, allowWatchBookmarks: true, resourceVersionMatch: "NotOlderThan", timeoutSeconds: 1 },
      (type, obj: { metadata: { name?: string; annotations?: Record<string, string> } }) =>
        seen.push(type === "BOOKMARK" ? `BOOKMARK ${obj.metadata.annotations?.["k8s.io/initial-events-end"]}` : `${type} ${obj.metadata.name}`),
      () => (ended = true),
    );
    await until(() => ended || undefined, "the watch to time out");
    expect(seen).toContain("ADDED initial");
    expect(seen[seen.length - 1]).toBe("BOOKMARK true");
  });

  it("keeps an informer correct across a forced 410 Gone", async () => {
    const informer = makeInformer(kc, "/api/v1/namespaces/default/pods", () => core.listNamespacedPod({ namespace: "default", labelSelector: "suite=informer" }), "suite=informer");
    await core.createNamespacedPod({ namespace: "default", body: pod("inf-a", { suite: "informer" }) });
    await informer.start();
    await until(() => informer.get("inf-a", "default"), "inf-a in the cache");
    // While the informer's watch is down, a write happens and the history is compacted: its
    // re-watch from the old version gets 410 Gone and it must re-list to see inf-b.
    sim.closeWatches();
    sim.store.create("pods", { apiVersion: "v1", kind: "Pod", metadata: { name: "inf-b", namespace: "default", labels: { suite: "informer" } }, spec: { containers: [{ name: "c", image: "x" }] } });
    sim.store.compactHistory();
    await until(() => informer.get("inf-b", "default"), "inf-b after the re-list");
    await core.deleteNamespacedPod({ name: "inf-a", namespace: "default" });
    await until(() => (informer.get("inf-a", "default") ? undefined : true), "inf-a removed");
    await informer.stop();
  });

  it("answers 401 without the token", async () => {
    const anon = new KubeConfig();
    anon.loadFromOptions({
      clusters: [{ name: "c", server: sim.url, caData: Buffer.from(sim.caCert).toString("base64") }],
      users: [{ name: "u" }],
      contexts: [{ name: "x", cluster: "c", user: "u" }],
      currentContext: "x",
    });
    const e = await apiError(anon.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: "default" }));
    expect(e.code).toBe(401);
  });
});
