import { afterEach, describe, expect, it } from "vitest";
import { condition, events, history, pod, startTestSim, waitFor, type TestSim } from "./test-sim";

const topology = `
defaultPullMs: 10
nodes:
  - name: mig
    cpu: "8"
    memory: 32Gi
    migStrategy: mixed
    gpus: [{ model: NVIDIA-A100-80GB-PCIe, count: 1, mig: [[1g.10gb, 1g.10gb]] }]
  - name: cpu
    cpu: "4"
    memory: 8Gi
  - name: vk
    cpu: "100"
    memory: 100Gi
    virtual: { startLatencyMs: 10 }
`;
const sleeper = (extra: Record<string, unknown> = {}, limits: Record<string, string> = {}) => ({
  containers: [{ name: "main", image: "busybox:1.36", command: ["sh", "-c", "sleep 3600"], resources: { limits } }],
  terminationGracePeriodSeconds: 1,
  ...extra,
});

let sim: TestSim;
afterEach(async () => sim?.stop());

describe("priority admission", () => {
  it("resolves priorityClassName and the globalDefault class, and refuses unknown classes", async () => {
    sim = await startTestSim(topology);
    const { store } = sim;
    store.create("scheduling.k8s.io/priorityclasses", { apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name: "default-low" }, value: 7, globalDefault: true });
    expect(store.create("pods", pod("d", sleeper())).spec).toMatchObject({ priorityClassName: "default-low", priority: 7, preemptionPolicy: "PreemptLowerPriority" });
    expect(store.create("pods", pod("sys", sleeper({ priorityClassName: "system-node-critical" }))).spec.priority).toBe(2000001000);
    expect(() => store.create("pods", pod("x", sleeper({ priorityClassName: "nope" })))).toThrow(/no PriorityClass with name nope was found/);
  });
});

describe("scheduler loop", () => {
  it("binds by extended resources, reports Unschedulable with the real message, retries when capacity frees", async () => {
    sim = await startTestSim(topology);
    const { store } = sim;
    for (const n of ["a", "b"]) store.create("pods", pod(n, sleeper({}, { "nvidia.com/mig-1g.10gb": "1" })));
    await waitFor(store, () => ["a", "b"].every((n) => store.get("pods", "default", n)?.spec.nodeName === "mig"), "both bound to mig");
    store.create("pods", pod("c", sleeper({}, { "nvidia.com/mig-1g.10gb": "1" })));
    const c = await waitFor(store, () => condition(store.get("pods", "default", "c"), "PodScheduled")?.reason === "Unschedulable" && store.get("pods", "default", "c"));
    expect(condition(c, "PodScheduled")?.message).toBe(
      "0/3 nodes are available: 1 node(s) had untolerated taint {virtual-node.interlink/no-schedule: true}, 2 Insufficient nvidia.com/mig-1g.10gb. " +
        "preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.",
    );
    expect(events(store, "c").some((e) => e.startsWith("FailedScheduling: 0/3 nodes are available"))).toBe(true);
    store.delete("pods", "default", "a");
    await waitFor(store, () => store.get("pods", "default", "c")?.spec.nodeName === "mig", "c bound after a is gone");
  });

  it("honours tolerations + node selector for the virtual node and scheduling gates", async () => {
    sim = await startTestSim(topology);
    const { store } = sim;
    store.create("pods", pod("offload", sleeper({ nodeSelector: { "virtual-node.interlink/type": "virtual-kubelet" }, tolerations: [{ key: "virtual-node.interlink/no-schedule", operator: "Exists" }] })));
    // The API server marks a gated pod at creation (its create strategy), not the scheduler later.
    const created = store.create("pods", pod("gated", sleeper({ schedulingGates: [{ name: "kueue.x-k8s.io/admission" }] })));
    expect(condition(created, "PodScheduled")).toMatchObject({ status: "False", reason: "SchedulingGated", message: "Scheduling is blocked due to non-empty scheduling gates" });
    await waitFor(store, () => store.get("pods", "default", "offload")?.status?.phase === "Running", "offload running on vk");
    expect(store.get("pods", "default", "offload")?.spec.nodeName).toBe("vk");
    const toVk = { nodeSelector: { "kubernetes.io/hostname": "vk" }, tolerations: [{ key: "virtual-node.interlink/no-schedule", operator: "Exists" }], restartPolicy: "Never" };
    store.create("pods", pod("remote", { ...toVk, containers: [{ name: "main", image: "busybox:1.36", command: ["sh", "-c", "echo remote run; exit 3"] }] }));
    const remote = await waitFor(store, () => store.get("pods", "default", "remote")?.status?.phase === "Failed" && store.get("pods", "default", "remote"));
    expect(remote.status.containerStatuses[0].state.terminated.exitCode).toBe(3);
    expect(sim.logs.read("default", "remote", "main")).toContain("remote run");
    const gated = await waitFor(store, () => condition(store.get("pods", "default", "gated"), "PodScheduled")?.reason === "SchedulingGated" && store.get("pods", "default", "gated"));
    expect(gated.spec.nodeName).toBeUndefined();
    // The scheduler has passed over it since (the other pods ran) without writing it again.
    expect(gated.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    store.mutate("pods", "default", "gated", (p) => void (p.spec.schedulingGates = []));
    await waitFor(store, () => store.get("pods", "default", "gated")?.spec.nodeName, "gated pod bound once the gate is removed");
  });

  it("preempts the lowest-priority pod, marks it DisruptionTarget, nominates the node; never for preemptionPolicy Never", async () => {
    sim = await startTestSim(topology);
    const { store } = sim;
    const pc = (name: string, value: number, preemptionPolicy?: string) =>
      store.create("scheduling.k8s.io/priorityclasses", { apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name }, value, ...(preemptionPolicy ? { preemptionPolicy } : {}) });
    pc("batch", 100);
    pc("batch-low", 10);
    pc("interactive", 1000);
    pc("polite", 5000, "Never");
    const gpu = { "nvidia.com/mig-1g.10gb": "1" };
    store.create("pods", pod("low", sleeper({ priorityClassName: "batch-low" }, gpu)));
    store.create("pods", pod("mid", sleeper({ priorityClassName: "batch" }, gpu)));
    await waitFor(store, () => ["low", "mid"].every((n) => store.get("pods", "default", n)?.status?.phase === "Running"), "both running");
    expect(store.get("pods", "default", "low")?.spec.priority).toBe(10);

    store.create("pods", pod("polite", sleeper({ priorityClassName: "polite" }, gpu)));
    const polite = await waitFor(store, () => condition(store.get("pods", "default", "polite"), "PodScheduled")?.reason === "Unschedulable" && store.get("pods", "default", "polite"));
    expect(condition(polite, "PodScheduled")?.message).toMatch(/preemption: not eligible due to preemptionPolicy=Never\.$/);
    expect(polite.spec.preemptionPolicy).toBe("Never");
    store.delete("pods", "default", "polite");

    const low = history(store, "pods", "low");
    const session = history(store, "pods", "session");
    store.create("pods", pod("session", sleeper({ priorityClassName: "interactive" }, gpu)));
    await waitFor(store, () => low.deleted() && store.get("pods", "default", "session")?.spec.nodeName === "mig", "victim gone, session bound");
    const marked = low.versions.find((v) => condition(v, "DisruptionTarget"));
    expect(condition(marked, "DisruptionTarget")).toMatchObject({ status: "True", reason: "PreemptionByScheduler" });
    expect(low.versions.some((v) => v.metadata.deletionTimestamp)).toBe(true);
    expect(session.versions.some((v) => v.status?.nominatedNodeName === "mig")).toBe(true);
    low.stop();
    session.stop();
    expect(store.get("pods", "default", "mid")?.metadata.deletionTimestamp).toBeUndefined();
  });

  it("waits for terminating victims instead of preempting more pods", async () => {
    // Victims run a program that ignores SIGTERM, so they stay terminating for their grace period.
    const stubborn = `process.on("SIGTERM", () => {}); setInterval(() => {}, 1000); console.log("armed");`;
    sim = await startTestSim(`${topology}
images:
  - match: "local/stubborn:*"
    program: { command: ${JSON.stringify([process.execPath, "-e", stubborn])} }
`);
    const { store } = sim;
    store.create("scheduling.k8s.io/priorityclasses", { apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name: "high" }, value: 1000 });
    const victimSpec = { terminationGracePeriodSeconds: 3600, containers: [{ name: "main", image: "local/stubborn:1", resources: { limits: { "nvidia.com/mig-1g.10gb": "1" } } }] };
    store.create("pods", pod("v1", victimSpec));
    store.create("pods", pod("v2", victimSpec));
    // "armed": the SIGTERM handler is installed (a slow machine may take a while to start node).
    await waitFor(store, () => ["v1", "v2"].every((n) => sim.logs.read("default", n, "main").includes("armed")), "victims running");
    store.create("pods", pod("hi", sleeper({ priorityClassName: "high" }, { "nvidia.com/mig-1g.10gb": "1" })));
    await waitFor(store, () => ["v1", "v2"].some((n) => store.get("pods", "default", n)?.metadata.deletionTimestamp), "one victim terminating");
    // Capacity changes elsewhere make the scheduler look at "hi" again.
    store.create("pods", pod("blip", { restartPolicy: "Never", containers: [{ name: "c", image: "busybox:1", command: ["sh", "-c", "exit 0"] }] }));
    const hi = await waitFor(store, () => /terminating pod on the nominated node/.test(condition(store.get("pods", "default", "hi"), "PodScheduled")?.message ?? "") && store.get("pods", "default", "hi"));
    expect(hi.spec.nodeName).toBeUndefined();
    expect(["v1", "v2"].filter((n) => store.get("pods", "default", n)?.metadata.deletionTimestamp)).toHaveLength(1);
    for (const n of ["v1", "v2"]) store.delete("pods", "default", n, { gracePeriodSeconds: 0 });
    await waitFor(store, () => store.get("pods", "default", "hi")?.spec.nodeName === "mig", "hi bound once the victim is gone");
  });
});
