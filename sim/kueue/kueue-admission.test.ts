import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KUEUE, MIG, clusterQueue, condition, flavor, gpuJob, localQueue, startTestCluster, waitFor, type Obj, type TestCluster } from "./test-cluster";
import { jobWorkloadName } from "./workload-name";

let c: TestCluster;
const ns = "default";
const getWl = (name: string): Promise<Obj> => c.custom.getNamespacedCustomObject({ ...KUEUE, namespace: ns, plural: "workloads", name });
const getCq = (name: string): Promise<Obj> => c.custom.getClusterCustomObject({ ...KUEUE, plural: "clusterqueues", name });

beforeAll(async () => {
  c = await startTestCluster();
  await c.custom.createClusterCustomObject({ ...KUEUE, plural: "resourceflavors", body: flavor("mig-1g-10gb", { accelerator: "a100-mig" }) });
  await c.custom.createClusterCustomObject({ ...KUEUE, plural: "clusterqueues", body: clusterQueue("team", { [MIG]: 2 }) });
  await c.custom.createNamespacedCustomObject({ ...KUEUE, namespace: ns, plural: "localqueues", body: localQueue("user-queue", ns, "team") });
});
afterAll(async () => c?.stop());

describe("Kueue admission through client-node and kubectl", () => {
  it("suspends a queued Job at create, creates its Workload and admits it within quota", async () => {
    const job = await c.batch.createNamespacedJob({ namespace: ns, body: gpuJob("train", "user-queue", { parallelism: 2, script: "busy 3600" }) });
    expect(job.spec?.suspend).toBe(true);
    const wlName = jobWorkloadName("train", job.metadata!.uid!);
    const wl = await waitFor(async () => {
      const w = await getWl(wlName);
      return condition(w, "Admitted")?.status === "True" && w;
    }, "train admitted");
    expect(wl.metadata.labels["kueue.x-k8s.io/job-uid"]).toBe(job.metadata!.uid);
    expect(wl.metadata.finalizers).toContain("kueue.x-k8s.io/resource-in-use");
    expect(wl.metadata.ownerReferences[0]).toMatchObject({ kind: "Job", name: "train", uid: job.metadata!.uid, controller: true });
    expect(wl.spec.podSets[0]).toMatchObject({ name: "main", count: 2 });
    expect(wl.spec.queueName).toBe("user-queue");
    expect(wl.status.admission).toEqual({ clusterQueue: "team", podSetAssignments: [{ name: "main", flavors: { [MIG]: "mig-1g-10gb" }, resourceUsage: { [MIG]: "2" }, count: 2 }] });
    expect(condition(wl, "QuotaReserved")).toMatchObject({ status: "True", reason: "QuotaReserved", message: "Quota reserved in ClusterQueue team" });
    expect(condition(wl, "Admitted")).toMatchObject({ status: "True", reason: "Admitted", message: "The workload is admitted" });
    const started = await waitFor(async () => {
      const j = await c.batch.readNamespacedJob({ namespace: ns, name: "train" });
      return j.spec?.suspend === false && j;
    }, "train unsuspended");
    expect(started.spec!.template.spec!.nodeSelector).toEqual({ accelerator: "a100-mig" });
    expect(started.spec!.template.metadata!.labels!["kueue.x-k8s.io/podset"]).toBe("main");
    const events = (await c.core.listNamespacedEvent({ namespace: ns })).items.filter((e) => e.involvedObject.name === "train" && e.involvedObject.kind === "Job");
    expect(events.map((e) => [e.reason, e.message])).toEqual(expect.arrayContaining([["CreatedWorkload", `Created Workload: ${ns}/${wlName}`], ["Started", "Admitted by clusterQueue team"]]));
  });

  it("queues a Job over quota with Kueue's pending message", async () => {
    const job = await c.batch.createNamespacedJob({ namespace: ns, body: gpuJob("second", "user-queue") });
    const wlName = jobWorkloadName("second", job.metadata!.uid!);
    const pending = await waitFor(async () => condition(await getWl(wlName), "QuotaReserved"), "second evaluated");
    expect(pending).toMatchObject({
      status: "False", reason: "Pending",
      message: `couldn't assign flavors to pod set main: insufficient unused quota for ${MIG} in flavor mig-1g-10gb, 1 more needed`,
    });
    const cq = await waitFor(async () => {
      const q = await getCq("team");
      return q.status?.pendingWorkloads === 1 && q.status?.admittedWorkloads === 1 && q;
    }, "cq status");
    expect(cq.status.flavorsUsage).toEqual([{ name: "mig-1g-10gb", resources: [{ name: MIG, total: "2", borrowed: "0" }] }]);
    expect(condition(cq, "Active")).toMatchObject({ status: "True", reason: "Ready", message: "Can admit new workloads" });
    const lq: Obj = await c.custom.getNamespacedCustomObject({ ...KUEUE, namespace: ns, plural: "localqueues", name: "user-queue" });
    expect(lq.status.flavorUsage).toEqual([{ name: "mig-1g-10gb", resources: [{ name: MIG, total: "2" }] }]);
  });

  it("deleting the running Job deletes its Workload, releases the quota and admits the next", async () => {
    const uid = (await c.batch.readNamespacedJob({ namespace: ns, name: "train" })).metadata!.uid!;
    await c.batch.deleteNamespacedJob({ namespace: ns, name: "train", propagationPolicy: "Background" });
    await waitFor(async () => getWl(jobWorkloadName("train", uid)).then(() => false, (e) => e.code === 404), "train workload deleted");
    const second = jobWorkloadName("second", (await c.batch.readNamespacedJob({ namespace: ns, name: "second" })).metadata!.uid!);
    await waitFor(async () => condition(await getWl(second), "Admitted")?.status === "True", "second admitted");
  });

  it("finishes the Workload of a completed Job and releases its quota", async () => {
    const job = await c.batch.createNamespacedJob({ namespace: ns, body: gpuJob("quick", "user-queue", { script: "echo done" }) });
    const wlName = jobWorkloadName("quick", job.metadata!.uid!);
    const finished = await waitFor(async () => condition(await getWl(wlName), "Finished"), "quick finished", 30_000);
    expect(finished).toMatchObject({ status: "True", reason: "Succeeded" });
    const wl = await getWl(wlName);
    expect(wl.metadata.finalizers ?? []).not.toContain("kueue.x-k8s.io/resource-in-use");
    await waitFor(async () => (await getCq("team")).status?.reservingWorkloads === 1, "only second still reserves quota");
  });

  it("keeps a Job naming a missing LocalQueue suspended and says why", async () => {
    const job = await c.batch.createNamespacedJob({ namespace: ns, body: gpuJob("lost", "no-such-queue") });
    const wlName = jobWorkloadName("lost", job.metadata!.uid!);
    const cond = await waitFor(async () => condition(await getWl(wlName), "QuotaReserved"), "lost evaluated");
    expect(cond).toMatchObject({ status: "False", reason: "Inadmissible", message: "LocalQueue no-such-queue doesn't exist" });
    expect((await c.batch.readNamespacedJob({ namespace: ns, name: "lost" })).spec?.suspend).toBe(true);
  });

  it("kubectl get clusterqueues,localqueues,workloads prints Kueue's columns", async () => {
    const table = await c.kubectl("get", "clusterqueues,localqueues,workloads");
    expect(table).toMatch(/NAME\s+COHORT\s+PENDING WORKLOADS/);
    expect(table).toMatch(/clusterqueue\.kueue\.x-k8s\.io\/team\s+\S+\s+\d+/);
    expect(table).toMatch(/NAME\s+CLUSTERQUEUE\s+PENDING WORKLOADS\s+ADMITTED WORKLOADS/);
    expect(table).toMatch(/localqueue\.kueue\.x-k8s\.io\/user-queue\s+team\s+\d+\s+\d+/);
    expect(table).toMatch(/NAME\s+QUEUE\s+RESERVED IN\s+ADMITTED\s+FINISHED\s+AGE/);
    expect(table).toMatch(/workload\.kueue\.x-k8s\.io\/job-lost-[0-9a-f]{5}\s+no-such-queue\s+/);
    // ADMITTED and FINISHED come from filter expressions on .status.conditions.
    expect(table).toMatch(/workload\.kueue\.x-k8s\.io\/job-second-[0-9a-f]{5}\s+user-queue\s+team\s+True\s+<none>\s+\d/);
    expect(table).toMatch(/workload\.kueue\.x-k8s\.io\/job-quick-[0-9a-f]{5}\s+user-queue\s+\S+\s+\S+\s+True\s+\d/);
  });
});
