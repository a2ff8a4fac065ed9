import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KUEUE, MIG, clusterQueue, condition, flavor, gpuJob, localQueue, simRequest, startTestCluster, waitFor, type Obj, type TestCluster } from "./test-cluster";
import { jobWorkloadName, podWorkloadName } from "./workload-name";

let c: TestCluster;
const ns = "default";
const getWl = (name: string): Promise<Obj> => c.custom.getNamespacedCustomObject({ ...KUEUE, namespace: ns, plural: "workloads", name });
const getCq = (name: string): Promise<Obj> => c.custom.getClusterCustomObject({ ...KUEUE, plural: "clusterqueues", name });
const createCq = (body: Obj) => c.custom.createClusterCustomObject({ ...KUEUE, plural: "clusterqueues", body });
const createLq = (name: string, cq: string) => c.custom.createNamespacedCustomObject({ ...KUEUE, namespace: ns, plural: "localqueues", body: localQueue(name, ns, cq) });
async function submit(name: string, queue: string, parallelism = 1): Promise<string> {
  const j = await c.batch.createNamespacedJob({ namespace: ns, body: gpuJob(name, queue, { parallelism }) });
  return jobWorkloadName(name, j.metadata!.uid!);
}
const admitted = async (wl: string) => condition(await getWl(wl), "Admitted")?.status === "True";

beforeAll(async () => {
  c = await startTestCluster();
  await c.custom.createClusterCustomObject({ ...KUEUE, plural: "resourceflavors", body: flavor("mig-1g-10gb", { accelerator: "a100-mig" }) });
});
afterAll(async () => c?.stop());

describe("validation and inactive queues", () => {
  it.each([
    ["borrowingLimit without a cohort", { resourceGroups: [{ coveredResources: [MIG], flavors: [{ name: "mig-1g-10gb", resources: [{ name: MIG, nominalQuota: 1, borrowingLimit: 1 }] }] }] }, "spec", "borrowingLimit must be nil when cohort is empty"],
    ["a quantity that does not parse", { resourceGroups: [{ coveredResources: [MIG], flavors: [{ name: "mig-1g-10gb", resources: [{ name: MIG, nominalQuota: "lots" }] }] }] }, "spec.resourceGroups[0].flavors[0].resources[0].nominalQuota", "should match"],
    ["an unknown queueingStrategy", { queueingStrategy: "Random", resourceGroups: [] }, "spec.queueingStrategy", "Unsupported value"],
  ])("rejects %s with 422 Invalid and a cause", async (_t, spec, field, message) => {
    const r = await simRequest(c, "/apis/kueue.x-k8s.io/v1beta1/clusterqueues", {
      method: "POST", body: { apiVersion: "kueue.x-k8s.io/v1beta1", kind: "ClusterQueue", metadata: { name: "bad" }, spec },
    });
    expect(r.status).toBe(422);
    const status = r.body;
    expect(status).toMatchObject({ kind: "Status", reason: "Invalid", code: 422 });
    expect(status.details.causes).toEqual(expect.arrayContaining([expect.objectContaining({ field, message: expect.stringContaining(message) })]));
  });

  it("marks a ClusterQueue with a missing flavor and a LocalQueue with a missing ClusterQueue inactive", async () => {
    await createCq(clusterQueue("ghost-flavor", { [MIG]: 1 }, {}, "no-such-flavor"));
    await createLq("orphan", "no-such-cq");
    const cq = await waitFor(async () => condition(await getCq("ghost-flavor"), "Active"), "cq active condition");
    expect(cq).toMatchObject({ status: "False", reason: "FlavorNotFound" });
    const lq = await waitFor(async () => condition(await c.custom.getNamespacedCustomObject({ ...KUEUE, namespace: ns, plural: "localqueues", name: "orphan" }), "Active"), "lq active condition");
    expect(lq).toMatchObject({ status: "False", reason: "ClusterQueueDoesNotExist", message: "Can't submit new workloads to clusterQueue" });
    const wl = await submit("to-orphan", "orphan");
    expect(await waitFor(async () => condition(await getWl(wl), "QuotaReserved"), "evaluated")).toMatchObject({ reason: "Inadmissible", message: "ClusterQueue no-such-cq doesn't exist" });
  });
});

describe("namespaceSelector", () => {
  it("admits only from namespaces the ClusterQueue selects", async () => {
    await createCq(clusterQueue("team-a", { [MIG]: 1 }, { namespaceSelector: { matchLabels: { team: "a" } } }));
    await createLq("team-a", "team-a");
    const wl = await submit("wrong-ns", "team-a");
    expect(await waitFor(async () => condition(await getWl(wl), "QuotaReserved"), "evaluated")).toMatchObject({ status: "False", reason: "Pending", message: "Workload namespace doesn't match ClusterQueue selector" });
    await c.kubectl("label", "namespace", ns, "team=a");
    await waitFor(() => admitted(wl), "admitted once the namespace is labelled");
    await c.kubectl("label", "namespace", ns, "team-");
  });
});

describe("borrowing, StrictFIFO and the visibility API", () => {
  it("borrows unused quota from the cohort", async () => {
    await createCq(clusterQueue("small", { [MIG]: 1 }, { cohort: "shared" }));
    await createCq(clusterQueue("lender", { [MIG]: 2 }, { cohort: "shared" }));
    await createLq("small", "small");
    const wl = await submit("borrower", "small", 2);
    await waitFor(() => admitted(wl), "borrower admitted");
    const cq = await waitFor(async () => {
      const q = await getCq("small");
      return q.status?.flavorsReservation?.[0]?.resources?.[0]?.total === "2" && q;
    }, "small cq status");
    expect(cq.status.flavorsReservation).toEqual([{ name: "mig-1g-10gb", resources: [{ name: MIG, total: "2", borrowed: "1" }] }]);
  });

  it("StrictFIFO holds back a workload that would fit behind one that does not; BestEffortFIFO admits it", async () => {
    await createCq(clusterQueue("strict", { [MIG]: 3 }, { queueingStrategy: "StrictFIFO" }));
    await createCq(clusterQueue("besteffort", { [MIG]: 3 }, { queueingStrategy: "BestEffortFIFO" }));
    await createLq("strict", "strict");
    await createLq("besteffort", "besteffort");
    const heads = { s1: await submit("strict-1", "strict", 2), b1: await submit("besteffort-1", "besteffort", 2) };
    await waitFor(() => admitted(heads.s1), "strict-1 admitted");
    await waitFor(() => admitted(heads.b1), "besteffort-1 admitted");
    const w = {
      s1: heads.s1,
      s2: await submit("strict-2", "strict", 2), s3: await submit("strict-3", "strict", 1),
      b2: await submit("besteffort-2", "besteffort", 2), b3: await submit("besteffort-3", "besteffort", 1),
    };
    await waitFor(() => admitted(w.s1), "strict-1 admitted");
    await waitFor(() => admitted(w.b3), "besteffort-3 admitted past its blocked head");
    expect(await admitted(w.b2)).toBe(false);
    await waitFor(async () => condition(await getWl(w.s2), "QuotaReserved")?.reason === "Pending", "strict-2 pending");
    expect(await admitted(w.s3)).toBe(false);

    const vis = async (path: string) => (await simRequest(c, `/apis/visibility.kueue.x-k8s.io/v1beta1/${path}`)).body;
    const all = await vis("clusterqueues/strict/pendingworkloads");
    expect(all.kind).toBe("PendingWorkloadsSummary");
    expect(all.items.map((i: Obj) => [i.metadata.name, i.positionInClusterQueue, i.positionInLocalQueue, i.localQueueName])).toEqual([[w.s2, 0, 0, "strict"], [w.s3, 1, 1, "strict"]]);
    expect(all.items[0].metadata.ownerReferences[0]).toMatchObject({ kind: "Job", name: "strict-2" });
    expect((await vis("clusterqueues/strict/pendingworkloads?limit=1&offset=1")).items.map((i: Obj) => i.metadata.name)).toEqual([w.s3]);
    expect((await vis(`namespaces/${ns}/localqueues/strict/pendingworkloads`)).items).toHaveLength(2);
    const viaKubectl = JSON.parse(await c.kubectl("get", "--raw", "/apis/visibility.kueue.x-k8s.io/v1beta1/clusterqueues/strict/pendingworkloads?limit=1"));
    expect(viaKubectl.items.map((i: Obj) => [i.metadata.name, i.positionInClusterQueue])).toEqual([[w.s2, 0]]);
  });
});

describe("priorities", () => {
  it("takes priority from a WorkloadPriorityClass label and preempts a lower priority in the same ClusterQueue", async () => {
    await c.custom.createClusterCustomObject({ ...KUEUE, plural: "workloadpriorityclasses", body: { apiVersion: "kueue.x-k8s.io/v1beta1", kind: "WorkloadPriorityClass", metadata: { name: "urgent" }, value: 1000, description: "urgent work" } });
    await createCq(clusterQueue("prio", { [MIG]: 1 }, { preemption: { withinClusterQueue: "LowerPriority" } }));
    await createLq("prio", "prio");
    const low = await submit("low", "prio");
    await waitFor(() => admitted(low), "low admitted");
    const j = await c.batch.createNamespacedJob({ namespace: ns, body: gpuJob("urgent", "prio", { labels: { "kueue.x-k8s.io/priority-class": "urgent" } }) });
    const high = jobWorkloadName("urgent", j.metadata!.uid!);
    const hw = await waitFor(() => getWl(high), "urgent workload");
    expect(hw.spec).toMatchObject({ priority: 1000, priorityClassName: "urgent", priorityClassSource: "kueue.x-k8s.io/workloadpriorityclass" });
    const preempted = await waitFor(async () => condition(await getWl(low), "Preempted"), "low preempted");
    expect(preempted).toMatchObject({ status: "True", reason: "InClusterQueue", message: `Preempted to accommodate a workload (UID: ${hw.metadata.uid}, JobUID: ${j.metadata!.uid}) due to prioritization in the ClusterQueue` });
    await waitFor(() => admitted(high), "urgent admitted", 20_000);
  });
});

describe("deactivation", () => {
  it("evicts a workload set inactive, keeps it out of the queue, and admits it again when reactivated", async () => {
    await createCq(clusterQueue("pausable", { [MIG]: 1 }));
    await createLq("pausable", "pausable");
    const wl = await submit("pausable", "pausable");
    await waitFor(() => admitted(wl), "admitted");
    await c.kubectl("patch", "workload", wl, "--type=merge", "-p", '{"spec":{"active":false}}');
    const evicted = await waitFor(async () => condition(await getWl(wl), "Evicted"), "evicted");
    expect(evicted).toMatchObject({ status: "True", reason: "Deactivated", message: "The workload is deactivated" });
    await waitFor(async () => (await c.batch.readNamespacedJob({ namespace: ns, name: "pausable" })).spec?.suspend === true, "job suspended");
    const released = await waitFor(async () => {
      const w = await getWl(wl);
      return !w.status.admission && condition(w, "Requeued") && w;
    }, "quota released");
    expect(condition(released, "Requeued")).toMatchObject({ status: "False", reason: "Deactivated" });
    await c.kubectl("patch", "workload", wl, "--type=merge", "-p", '{"spec":{"active":true}}');
    await waitFor(() => admitted(wl), "admitted again");
  });
});

describe("pod integration", () => {
  it("keeps a pod gated while its queue has no quota, and lets it go when deleted", async () => {
    await createCq(clusterQueue("tiny", { [MIG]: 0 }));
    await createLq("tiny", "tiny");
    const pod = await c.core.createNamespacedPod({
      namespace: ns,
      body: { metadata: { name: "gated", labels: { "kueue.x-k8s.io/queue-name": "tiny" } }, spec: { containers: [{ name: "c", image: "busybox", resources: { limits: { [MIG]: "1" } } }] } },
    });
    const wlName = podWorkloadName("gated", pod.metadata!.uid!);
    const cond = await waitFor(async () => condition(await getWl(wlName), "QuotaReserved"), "pod workload evaluated");
    expect(cond).toMatchObject({ status: "False", reason: "Pending", message: `couldn't assign flavors to pod set main: insufficient quota for ${MIG} in flavor mig-1g-10gb, request > maximum capacity (1 > 0)` });
    const wl = await getWl(wlName);
    expect(wl.metadata.ownerReferences[0]).toMatchObject({ apiVersion: "v1", kind: "Pod", name: "gated", controller: true });
    expect(wl.spec.podSets[0].template.spec.schedulingGates).toBeUndefined();
    const still = await c.core.readNamespacedPod({ namespace: ns, name: "gated" });
    expect(still.spec?.schedulingGates).toEqual([{ name: "kueue.x-k8s.io/admission" }]);
    expect(still.spec?.nodeName).toBeUndefined();
    await c.core.deleteNamespacedPod({ namespace: ns, name: "gated" });
    await waitFor(async () => c.core.readNamespacedPod({ namespace: ns, name: "gated" }).then(() => false, (e) => e.code === 404), "gated pod removed");
    await waitFor(async () => getWl(wlName).then(() => false, (e) => e.code === 404), "its workload removed");
  });
});

describe("offload to the interLink virtual node", () => {
  it("runs a pod that tolerates the interLink taint and selects the node there", async () => {
    await c.core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: "remote" },
        spec: {
          nodeSelector: { "kubernetes.io/hostname": "vk-remote" },
          tolerations: [{ key: "virtual-node.interlink/no-schedule", operator: "Exists" }],
          containers: [{ name: "main", image: "busybox", command: ["sh", "-c", "echo hello from leonardo"] }],
          restartPolicy: "Never",
        },
      },
    });
    const pod = await waitFor(async () => {
      const p = await c.core.readNamespacedPod({ namespace: ns, name: "remote" });
      return p.status?.phase === "Succeeded" && p;
    }, "remote pod finished", 20_000);
    expect(pod.spec?.nodeName).toBe("vk-remote");
  });

  it("routes an admitted Job to the virtual node through a ResourceFlavor's nodeLabels and tolerations", async () => {
    await c.custom.createClusterCustomObject({
      ...KUEUE, plural: "resourceflavors",
      body: flavor("remote-interlink", { "virtual-node.interlink/type": "virtual-kubelet" }, { tolerations: [{ key: "virtual-node.interlink/no-schedule", operator: "Exists", effect: "NoSchedule" }] }),
    });
    await createCq(clusterQueue("remote", { cpu: 8 }, {}, "remote-interlink"));
    await createLq("remote", "remote");
    const job = gpuJob("offloaded", "remote", { script: "echo done" });
    job.spec.template.spec.containers[0].resources = { requests: { cpu: "1" } };
    await c.batch.createNamespacedJob({ namespace: ns, body: job });
    const done = await waitFor(async () => {
      const pods = await c.core.listNamespacedPod({ namespace: ns, labelSelector: "batch.kubernetes.io/job-name=offloaded" });
      return pods.items.find((p) => p.status?.phase === "Succeeded");
    }, "offloaded pod done", 20_000);
    expect(done.spec?.nodeName).toBe("vk-remote");
    expect(done.spec?.tolerations).toEqual(expect.arrayContaining([{ key: "virtual-node.interlink/no-schedule", operator: "Exists", effect: "NoSchedule" }]));
  });
});
