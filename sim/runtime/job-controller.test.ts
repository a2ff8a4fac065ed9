import { afterEach, describe, expect, it } from "vitest";
import type { KubeObject } from "../store/types";
import { formatIndexes, matchPodFailurePolicy, parseIndexes } from "./job-policy";
import { condition, history, startTestSim, waitFor, type TestSim } from "./test-sim";

const topology = `
defaultPullMs: 10
nodes:
  - { name: n1, cpu: "64", memory: 64Gi }
`;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test jobs are partial specs
const job = (name: string, script: string, spec: Record<string, any> = {}): KubeObject => ({
  apiVersion: "batch/v1", kind: "Job", metadata: { name, namespace: "default" },
  spec: { ...spec, template: { spec: { restartPolicy: "Never", terminationGracePeriodSeconds: 1, containers: [{ name: "main", image: "busybox:1.36", command: ["sh", "-c", script] }] } } },
});

let sim: TestSim;
afterEach(async () => sim?.stop());
const jobPods = (s: TestSim, name: string) => s.store.list("pods", { namespace: "default", labelSelector: `batch.kubernetes.io/job-name=${name}` });

describe("job policy helpers", () => {
  it("formats and parses completed indexes", () => {
    expect(formatIndexes([4, 0, 1, 2, 6, 7])).toBe("0-2,4,6-7");
    expect([...parseIndexes("0-2,4")]).toEqual([0, 1, 2, 4]);
  });
  it("matches podFailurePolicy rules in order", () => {
    const j = { spec: { podFailurePolicy: { rules: [{ action: "FailJob", onExitCodes: { operator: "In", values: [42] } }, { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget" }] }] } } } as unknown as KubeObject;
    const failed = (code: number, conds: unknown[] = []) => ({ metadata: { name: "p", namespace: "d" }, status: { conditions: conds, containerStatuses: [{ name: "main", state: { terminated: { exitCode: code } } }] } }) as unknown as KubeObject;
    expect(matchPodFailurePolicy(j, failed(42))).toEqual({ action: "FailJob", message: "Container main for pod d/p failed with exit code 42 matching FailJob rule at index 0" });
    expect(matchPodFailurePolicy(j, failed(137, [{ type: "DisruptionTarget", status: "True" }])).action).toBe("Ignore");
    expect(matchPodFailurePolicy(j, failed(1)).action).toBe("Count");
  });
});

describe("job controller", () => {
  it("runs an Indexed job with JOB_COMPLETION_INDEX, pod names and hostnames, then Complete after SuccessCriteriaMet", async () => {
    sim = await startTestSim(topology);
    sim.store.create("batch/jobs", job("idx", "echo index $JOB_COMPLETION_INDEX; sleep 1", { completions: 3, parallelism: 2, completionMode: "Indexed" }));
    const pods = await waitFor(sim.store, () => jobPods(sim, "idx").length >= 2 && jobPods(sim, "idx"));
    expect(pods.map((p) => p.metadata.name).every((n) => /^idx-[0-2]-[a-z0-9]{5}$/.test(n!))).toBe(true);
    expect(pods.length).toBe(2);
    const p0 = pods.find((p) => p.metadata.annotations?.["batch.kubernetes.io/job-completion-index"] === "0")!;
    expect(p0.spec.hostname).toBe("idx-0");
    expect(p0.metadata.ownerReferences?.[0]).toMatchObject({ kind: "Job", name: "idx", controller: true });
    const done = await waitFor(sim.store, () => condition(sim.store.get("batch/jobs", "default", "idx"), "Complete") && sim.store.get("batch/jobs", "default", "idx"));
    expect(done.status).toMatchObject({ succeeded: 3, completedIndexes: "0-2", active: 0, ready: 0, terminating: 0 });
    expect(condition(done, "SuccessCriteriaMet")).toMatchObject({ status: "True", reason: "CompletionsReached" });
    expect(condition(done, "Complete")).toMatchObject({ status: "True", reason: "CompletionsReached", message: "Reached expected number of succeeded pods" });
    expect(done.status.completionTime).toBeDefined();
    expect(sim.logs.read("default", p0.metadata.name!, "main")).toContain("index 0");
  });

  it("fails with BackoffLimitExceeded after backoffLimit + 1 failures", async () => {
    sim = await startTestSim(topology, 1000);
    sim.store.create("batch/jobs", job("flaky", "echo trying; exit 3", { backoffLimit: 1 }));
    const j = await waitFor(sim.store, () => condition(sim.store.get("batch/jobs", "default", "flaky"), "Failed") && sim.store.get("batch/jobs", "default", "flaky"));
    expect(j.status.failed).toBe(2);
    expect(condition(j, "FailureTarget")).toMatchObject({ reason: "BackoffLimitExceeded" });
    expect(condition(j, "Failed")).toMatchObject({ reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" });
  });

  it("fails with DeadlineExceeded and deletes the active pods", async () => {
    sim = await startTestSim(topology, 1000);
    sim.store.create("batch/jobs", job("slow", "sleep 3600", { activeDeadlineSeconds: 5 }));
    const j = await waitFor(sim.store, () => condition(sim.store.get("batch/jobs", "default", "slow"), "Failed") && sim.store.get("batch/jobs", "default", "slow"));
    expect(condition(j, "Failed")).toMatchObject({ reason: "DeadlineExceeded", message: "Job was active longer than specified deadline" });
    expect(j.status.active).toBe(0);
    await waitFor(sim.store, () => jobPods(sim, "slow").length === 0, "pods removed");
  });

  it("suspends (deleting active pods without counting failures) and resumes with a new startTime", async () => {
    sim = await startTestSim(topology, 1000);
    sim.store.create("batch/jobs", job("sus", "sleep 3600", { parallelism: 2, completions: 2 }));
    const running = await waitFor(sim.store, () => sim.store.get("batch/jobs", "default", "sus")?.status?.active === 2 && sim.store.get("batch/jobs", "default", "sus"));
    const firstStart = running.status.startTime;
    sim.store.mutate("batch/jobs", "default", "sus", (j) => void (j.spec.suspend = true));
    const suspended = await waitFor(sim.store, () => {
      const j = sim.store.get("batch/jobs", "default", "sus");
      return condition(j, "Suspended")?.status === "True" && jobPods(sim, "sus").length === 0 && j?.status.active === 0 && j;
    });
    expect(condition(suspended, "Suspended")).toMatchObject({ reason: "JobSuspended", message: "Job suspended" });
    expect(suspended.status.failed ?? 0).toBe(0);
    sim.store.mutate("batch/jobs", "default", "sus", (j) => void (j.spec.suspend = false));
    const resumed = await waitFor(sim.store, () => {
      const j = sim.store.get("batch/jobs", "default", "sus");
      return condition(j, "Suspended")?.status === "False" && j?.status.active === 2 && j;
    });
    expect(condition(resumed, "Suspended")).toMatchObject({ reason: "JobResumed", message: "Job resumed" });
    expect(Date.parse(resumed.status.startTime)).toBeGreaterThan(Date.parse(firstStart));
  });

  it("ignores DisruptionTarget failures with podFailurePolicy and deletes finished jobs after ttlSecondsAfterFinished", async () => {
    sim = await startTestSim(topology, 1000);
    sim.store.create("batch/jobs", job("pfp", "sleep 3600", { backoffLimit: 0, podFailurePolicy: { rules: [{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget" }] }] } }));
    const [p] = await waitFor(sim.store, () => jobPods(sim, "pfp").length === 1 && jobPods(sim, "pfp")[0]?.status?.phase === "Running" && jobPods(sim, "pfp"));
    sim.store.mutate("pods", "default", p!.metadata.name!, (x) => void (x.status.conditions = [...x.status.conditions, { type: "DisruptionTarget", status: "True", reason: "PreemptionByScheduler" }]), { subresource: "status" });
    sim.store.delete("pods", "default", p!.metadata.name!);
    const replaced = await waitFor(sim.store, () => jobPods(sim, "pfp").find((x) => x.metadata.name !== p!.metadata.name && !x.metadata.deletionTimestamp));
    expect(replaced).toBeDefined();
    expect(sim.store.get("batch/jobs", "default", "pfp")?.status.failed ?? 0).toBe(0);

    const seen = history(sim.store, "batch/jobs", "ttl");
    sim.store.create("batch/jobs", job("ttl", "exit 0", { ttlSecondsAfterFinished: 2 }));
    await waitFor(sim.store, () => seen.deleted(), "ttl job deleted");
    seen.stop();
    expect(seen.versions.some((j) => condition(j, "Complete")?.status === "True")).toBe(true);
    await waitFor(sim.store, () => jobPods(sim, "ttl").length === 0, "its pods collected");
  });
});
