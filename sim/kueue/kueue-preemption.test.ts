import { Watch } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KUEUE, MIG, clusterQueue, condition, flavor, gpuJob, localQueue, simText, startTestCluster, waitFor, type Obj, type TestCluster } from "./test-cluster";
import { jobWorkloadName, podWorkloadName } from "./workload-name";

/** Issue 4 point 5: an interactive ClusterQueue holding all GPU quota reclaims it from batch. */
let c: TestCluster;
const ns = "default";
const getWl = (name: string): Promise<Obj> => c.custom.getNamespacedCustomObject({ ...KUEUE, namespace: ns, plural: "workloads", name });
const batchWl: Record<string, string> = {};

beforeAll(async () => {
  c = await startTestCluster();
  await c.custom.createClusterCustomObject({ ...KUEUE, plural: "resourceflavors", body: flavor("mig-1g-10gb", { accelerator: "a100-mig" }) });
  await c.custom.createClusterCustomObject({ ...KUEUE, plural: "clusterqueues", body: clusterQueue("interactive", { [MIG]: 7 }, { cohort: "gpus", preemption: { reclaimWithinCohort: "Any", withinClusterQueue: "Never" } }) });
  await c.custom.createClusterCustomObject({ ...KUEUE, plural: "clusterqueues", body: clusterQueue("batch", { [MIG]: 0 }, { cohort: "gpus", preemption: { reclaimWithinCohort: "Never", withinClusterQueue: "LowerPriority" } }) });
  await c.custom.createNamespacedCustomObject({ ...KUEUE, namespace: ns, plural: "localqueues", body: localQueue("interactive", ns, "interactive") });
  await c.custom.createNamespacedCustomObject({ ...KUEUE, namespace: ns, plural: "localqueues", body: localQueue("batch", ns, "batch") });
});
afterAll(async () => c?.stop());

describe("interactive reclaims batch (reference §2.4 pattern B)", () => {
  it("batch borrows every MIG slice of the cohort and runs", async () => {
    for (let i = 0; i < 7; i++) {
      const j = await c.batch.createNamespacedJob({ namespace: ns, body: gpuJob(`batch-${i}`, "batch", { grace: 30 }) });
      batchWl[`batch-${i}`] = jobWorkloadName(`batch-${i}`, j.metadata!.uid!);
    }
    await waitFor(async () => {
      const pods = await c.core.listNamespacedPod({ namespace: ns });
      return pods.items.filter((p) => p.status?.phase === "Running" && p.metadata?.ownerReferences?.[0]?.kind === "Job").length === 7;
    }, "7 batch pods running");
    // Queue status is written at most every QUEUE_STATUS_GAP_MS (as Kueue batches it): wait for it.
    const want = [{ name: "mig-1g-10gb", resources: [{ name: MIG, total: "7", borrowed: "7" }] }];
    let cq: Obj | undefined;
    await waitFor(async () => {
      cq = await c.custom.getClusterCustomObject({ ...KUEUE, plural: "clusterqueues", name: "batch" });
      return JSON.stringify(cq!.status?.flavorsReservation) === JSON.stringify(want);
    }, "the batch ClusterQueue's status to show 7 borrowed").catch(() => undefined);
    expect(cq!.status.flavorsReservation).toEqual(want);
  });

  it("an interactive pod is gated, evicts one batch workload, and runs once its pods are gone", async () => {
    // The preemptor's waiting message lasts only while the victims' pods terminate: watch for it.
    const seen: string[] = [];
    const watch = await new Watch(c.kc).watch(`/apis/kueue.x-k8s.io/v1beta1/namespaces/${ns}/workloads`, {}, (_type, obj: Obj) => {
      if (obj.metadata?.name?.startsWith("pod-jupyter-alice-")) seen.push(condition(obj, "QuotaReserved")?.message ?? "");
    }, () => {});
    // Created with the real kubectl, as an operator would.
    expect(await c.kubectlApply({
      apiVersion: "v1", kind: "Pod",
      metadata: { name: "jupyter-alice", namespace: ns, labels: { "kueue.x-k8s.io/queue-name": "interactive" } },
      spec: { containers: [{ name: "notebook", image: "quay.io/example/session:1", resources: { limits: { [MIG]: "1" } } }] },
    })).toContain("pod/jupyter-alice created");
    const pod = await c.core.readNamespacedPod({ namespace: ns, name: "jupyter-alice" });
    expect(pod.spec?.schedulingGates).toEqual([{ name: "kueue.x-k8s.io/admission" }]);
    expect(pod.metadata?.labels?.["kueue.x-k8s.io/managed"]).toBe("true");
    expect(pod.metadata?.finalizers).toContain("kueue.x-k8s.io/managed");
    const podWlName = podWorkloadName("jupyter-alice", pod.metadata!.uid!);

    const waiting = await waitFor(() => seen.find((m) => m.includes("Pending the preemption")), "preemptor waiting");
    watch.abort();
    expect(waiting).toBe(`couldn't assign flavors to pod set main: insufficient unused quota for ${MIG} in flavor mig-1g-10gb, 1 more needed. Pending the preemption of 1 workload(s)`);
    const podWl = await getWl(podWlName);

    const victims = await waitFor(async () => {
      const all = await Promise.all(Object.values(batchWl).map(getWl));
      const ev = all.filter((w) => condition(w, "Evicted")?.status === "True");
      return ev.length ? ev : undefined;
    }, "a batch workload evicted");
    expect(victims).toHaveLength(1);
    const victim = victims[0];
    const msg = `Preempted to accommodate a workload (UID: ${podWl.metadata.uid}, JobUID: ${pod.metadata!.uid}) due to reclamation within the cohort`;
    expect(condition(victim, "Evicted")).toMatchObject({ status: "True", reason: "Preempted", message: msg });
    expect(condition(victim, "Preempted")).toMatchObject({ status: "True", reason: "InCohortReclamation", message: msg });
    const victimJob = victim.metadata.ownerReferences[0].name;
    await waitFor(async () => (await c.batch.readNamespacedJob({ namespace: ns, name: victimJob })).spec?.suspend === true, "victim Job suspended");

    const requeued = await waitFor(async () => {
      const w = await getWl(victim.metadata.name);
      return condition(w, "Requeued")?.status === "True" && w;
    }, "victim requeued", 20_000);
    expect(requeued.status.admission).toBeUndefined();
    expect(condition(requeued, "QuotaReserved")).toMatchObject({ status: "False" });
    expect(condition(requeued, "Admitted")).toMatchObject({ status: "False", reason: "NoReservation", message: "The workload has no reservation" });
    expect(condition(requeued, "Requeued")).toMatchObject({ reason: "Preempted", message: msg });
    const job = await c.batch.readNamespacedJob({ namespace: ns, name: victimJob });
    expect(job.spec?.template.spec?.nodeSelector).toBeUndefined();
    expect(job.spec?.template.metadata?.labels?.["kueue.x-k8s.io/podset"]).toBeUndefined();
    expect(job.status?.startTime).toBeUndefined();

    const running = await waitFor(async () => {
      const p = await c.core.readNamespacedPod({ namespace: ns, name: "jupyter-alice" });
      return p.status?.phase === "Running" && p;
    }, "interactive pod running", 20_000);
    expect(running.spec?.schedulingGates ?? []).toEqual([]);
    expect(running.spec?.nodeName).toBe("gpu-mig");
    expect(condition(await getWl(podWlName), "Admitted")).toMatchObject({ status: "True" });
    // The evicted batch workload waits again with the ordinary pending message.
    await waitFor(async () => condition(await getWl(victim.metadata.name), "QuotaReserved")?.message === `couldn't assign flavors to pod set main: insufficient unused quota for ${MIG} in flavor mig-1g-10gb, 1 more needed`, "victim pending");
    batchWl.victim = victim.metadata.name;
  });

  // Kubernetes lets a gated pod gain node selector keys (KEP-3838), so Kueue injects the flavor's.
  it("the admitted interactive pod carries the flavor's node selector", async () => {
    const p = await c.core.readNamespacedPod({ namespace: ns, name: "jupyter-alice" });
    expect(p.spec?.nodeSelector).toEqual({ accelerator: "a100-mig" });
  });

  it("when the interactive pod stops, batch is admitted again", async () => {
    expect(await c.kubectl("delete", "pod", "jupyter-alice", "--wait=false")).toContain("deleted");
    expect(await c.kubectl("wait", "--for=condition=Admitted", `workload/${batchWl.victim}`, "--timeout=50s")).toContain("condition met");
    const readmitted = await getWl(batchWl.victim!);
    expect(condition(readmitted, "Evicted")).toMatchObject({ status: "False", reason: "QuotaReserved" });
    expect(condition(readmitted, "Evicted").message).toMatch(/^Previously: Preempted to accommodate a workload/);
    await waitFor(async () => {
      const pods = await c.core.listNamespacedPod({ namespace: ns });
      return !pods.items.some((p) => p.metadata?.name === "jupyter-alice");
    }, "interactive pod gone");
  });

  it("counts admissions and the preemption in Kueue's metrics", async () => {
    const text = await simText(c, "/kueue/metrics");
    expect(text).toContain('kueue_preempted_workloads_total{preempting_cluster_queue="interactive",reason="InCohortReclamation"} 1');
    expect(text).toContain('kueue_evicted_workloads_total{cluster_queue="batch",reason="Preempted",underlying_cause="",priority_class=""} 1');
    expect(text).toMatch(/kueue_admitted_workloads_total\{cluster_queue="batch",priority_class=""\} 8\n/);
    expect(text).toMatch(/kueue_admission_wait_time_seconds_count\{cluster_queue="interactive",priority_class=""\} 1\n/);
  });
});
