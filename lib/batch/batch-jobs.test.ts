import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pino from "pino";
import { readFileSync, writeFileSync } from "node:fs";
import { makeKubeClients } from "@/lib/kube/client";
import { seedUser, testPrisma, uniqueSuffix } from "@/test/db";
import { spawnSession } from "@/lib/sessions/spawn-session";
import { stopSession } from "@/lib/sessions/stop-session";
import { startSessionController, type RunningController } from "@/controller/session-controller";
import { startJobsController, type RunningJobsController } from "@/controller/jobs-controller";
import { startTestCluster, type TestCluster } from "@/lib/sessions/test-support/test-cluster";
import { waitFor } from "@/lib/sessions/test-support/wait-for";
import { submitJob, resubmitJob, type BatchUser } from "@/lib/batch/submit-job";
import { cancelJob } from "@/lib/batch/cancel-job";
import { getJob, listJobs } from "@/lib/batch/job-view";
import { readJobLog } from "@/lib/batch/job-logs";
import { deleteJob, readJob, listJobPods } from "@/lib/batch/batch-objects";
import { readClusterQueues } from "@/lib/batch/queue-status";

// Integration: the simulator (API server, scheduler, kubelet, Job controller, Kueue with the
// generated pattern-B queues) and the run's PostgreSQL, with both controllers running.
const ns = `b-${uniqueSuffix()}`;
const db = testPrisma();
const log = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
let cluster: TestCluster;
let sessions: RunningController | undefined;
let jobs: RunningJobsController | undefined;

const asUser = (u: { id: string; username: string; groups: string[] }): BatchUser => ({ id: u.id, username: u.username, groups: u.groups });
const row = (id: string) => db.batchJob.findUniqueOrThrow({ where: { id } });
const waitJob = (id: string, state: string, ms = 30_000) =>
  waitFor(`job ${id} ${state}`, async () => ((await row(id)).state === state ? row(id) : undefined), ms, 100);
const waitSession = (id: string, state: string, ms = 60_000) =>
  waitFor(`session ${id} ${state}`, async () => ((await db.session.findUniqueOrThrow({ where: { id } })).state === state ? true : undefined), ms);
const text = async (s: ReadableStream<Uint8Array>) => new Response(s).text();

async function readySession(user: BatchUser, profile: string | null, name: string) {
  const { session } = await spawnSession({ user, input: { image: "JupyterLab (SciPy)", profile, cpu: 1, memoryGiB: 2, name }, kube: cluster.kube });
  await waitSession(session.id, "ready");
  return session;
}

beforeAll(async () => {
  cluster = await startTestCluster({ namespace: ns, timeScale: 10 });
  sessions = startSessionController({
    db,
    kube: cluster.kube,
    log,
    config: { namespace: ns, localQueue: "interactive", admissionTimeoutMs: 120_000, unschedulableGraceMs: 0, orphanGraceMs: 60_000, tickMs: 300, cullEveryMs: 3_600_000, spawnGraceMs: 5000 },
  });
  jobs = startJobsController({ db, kube: cluster.kube, log, config: { namespace: ns, localQueue: "batch", tickMs: 300, submitGraceMs: 5000 } });
  await Promise.all([sessions.synced, jobs.synced]);
}, 60_000);

afterAll(async () => {
  await jobs?.stop();
  await sessions?.stop();
  await cluster?.stop();
});

describe("batch jobs against the simulator", () => {
  it("from a running session: 4 indexed trials → admitted → running → succeeded, distinct indices in their logs, interval recorded", async () => {
    const alice = asUser(await seedUser());
    const session = await readySession(alice, null, "dev");
    const job = await submitJob({
      user: alice,
      input: { session: session.id, script: "echo trial $JOB_COMPLETION_INDEX of $AI_HUB_JOB_ID\nsleep 20\necho done", trials: 4, cpu: 0.5, memoryGiB: 1, deadlineSeconds: 600 },
      kube: cluster.kube,
    });
    expect(job.state).toBe("submitted");
    const k8s = await readJob(cluster.kube, job.k8sName);
    expect(k8s!.metadata!.labels!["kueue.x-k8s.io/queue-name"]).toBe("batch");
    expect(k8s!.spec!.template.spec!.containers[0]!.image).toBe("quay.io/jupyter/scipy-notebook:2025-03-17");
    expect(k8s!.spec!.template.spec!.containers[0]!.env!.map((e) => e.name)).not.toContain("JUPYTERHUB_API_TOKEN");

    await waitJob(job.id, "running");
    const done = await waitJob(job.id, "succeeded", 40_000);
    expect(done.admittedAt).not.toBeNull();
    expect(done.startedAt).not.toBeNull();
    expect(done.finishedAt).not.toBeNull();

    const detail = await getJob({ userId: alice.id, jobId: job.id });
    expect(detail.events.map((e) => e.state)).toEqual(expect.arrayContaining(["submitted", "running", "succeeded"]));
    await waitFor("4 trials succeeded", async () => ((await getJob({ userId: alice.id, jobId: job.id })).trialStates.filter((t) => t.phase === "Succeeded").length === 4 ? true : undefined));
    const logs = await Promise.all([0, 1, 2, 3].map(async (index) => text((await readJobLog({ userId: alice.id, jobId: job.id, index, kube: cluster.kube })).stream)));
    logs.forEach((l, i) => expect(l).toContain(`trial ${i} of ${job.id}`));
    // The saved tails carry the same text once the pods are gone.
    const trials = await db.batchJobTrial.findMany({ where: { jobId: job.id }, orderBy: { index: "asc" } });
    expect(trials.map((t) => t.logTail?.includes(`trial ${t.index}`))).toEqual([true, true, true, true]);

    const intervals = await db.batchJobInterval.findMany({ where: { jobId: job.id } });
    expect(intervals).toHaveLength(1);
    expect(intervals[0]).toMatchObject({ userId: alice.id, flavor: "cpu", gpuCount: 0, cpu: 2 });
    expect(intervals[0]!.endedAt).not.toBeNull();
  }, 120_000);

  it("deadline exceeded → Failed with the reason", async () => {
    const bob = asUser(await seedUser());
    const job = await submitJob({ user: bob, input: { image: "JupyterLab (SciPy)", script: "sleep 3600", cpu: 0.5, memoryGiB: 1, deadlineSeconds: 60 }, kube: cluster.kube });
    const failed = await waitJob(job.id, "failed", 40_000);
    expect(failed.stateReason).toBe("DeadlineExceeded");
    expect(failed.stateMessage).toMatch(/time limit of 1 min/);
    expect(failed.stateDetail).toBe("Job was active longer than specified deadline");
  }, 60_000);

  it("a failing trial → Failed with BackoffLimitExceeded, its exit code and last log lines", async () => {
    const u = asUser(await seedUser());
    const job = await submitJob({ user: u, input: { image: "JupyterLab (SciPy)", script: "echo about to fail\nexit 3", cpu: 0.5, memoryGiB: 1 }, kube: cluster.kube });
    const failed = await waitJob(job.id, "failed", 40_000);
    expect(failed.stateReason).toBe("BackoffLimitExceeded");
    expect(failed.exitCode).toBe(3);
    const detail = await waitFor("last lines", async () => {
      const d = await getJob({ userId: u.id, jobId: job.id });
      return d.trialStates[0]?.lastLines.length ? d : undefined;
    });
    expect(detail.trialStates[0]!.lastLines).toContain("about to fail");
  }, 60_000);

  it("cancel deletes the Job and its pods; the job shows Cancelled", async () => {
    const u = asUser(await seedUser());
    const job = await submitJob({ user: u, input: { image: "JupyterLab (SciPy)", script: "sleep 3600", cpu: 0.5, memoryGiB: 1 }, kube: cluster.kube });
    await waitJob(job.id, "running");
    const view = await cancelJob({ userId: u.id, jobId: job.id, kube: cluster.kube });
    expect(view.state).toBe("cancelled");
    await waitFor("job gone", async () => ((await readJob(cluster.kube, job.k8sName)) === null ? true : undefined));
    await waitFor("pods gone", async () => ((await listJobPods(cluster.kube, job.k8sName)).length === 0 ? true : undefined));
    await waitFor("interval closed", async () => ((await db.batchJobInterval.count({ where: { jobId: job.id, endedAt: null } })) === 0 ? true : undefined));
    expect((await row(job.id)).state).toBe("cancelled");
    await expect(cancelJob({ userId: u.id, jobId: job.id, kube: cluster.kube })).resolves.toMatchObject({ state: "cancelled" });
  }, 60_000);

  it("offload lands on the interLink virtual node", async () => {
    const u = asUser(await seedUser());
    const job = await submitJob({ user: u, input: { image: "JupyterLab (SciPy)", script: "echo remote $JOB_COMPLETION_INDEX", target: "offload", profile: null, cpu: 1, memoryGiB: 1 }, kube: cluster.kube });
    await waitJob(job.id, "succeeded", 40_000);
    const trial = await db.batchJobTrial.findUniqueOrThrow({ where: { jobId_index: { jobId: job.id, index: 0 } } });
    expect(trial.node).toBe("interlink-leonardo");
    expect(trial.logTail).toContain("remote 0");
  }, 60_000);

  it("THE GUARANTEE: batch fills every mig-1g.10gb slice; a session on it evicts batch, runs; batch shows Preempted then Queued again, then finishes", async () => {
    const carol = asUser(await seedUser());
    const dave = asUser(await seedUser());
    const filler = await submitJob({ user: carol, input: { image: "JupyterLab (SciPy)", script: "echo slice $JOB_COMPLETION_INDEX\nsleep 80", profile: "mig-1g.10gb", trials: 16, cpu: 0.25, memoryGiB: 0.5 }, kube: cluster.kube });
    await waitJob(filler.id, "running", 40_000);
    const queues = await readClusterQueues(cluster.kube);
    const batchUsage = queues.find((q) => q.name === "batch")!.flavors.find((f) => f.name === "mig-1g.10gb")!.resources[0]!;
    expect(batchUsage).toMatchObject({ nominalQuota: "0", usage: "16", borrowed: "16" });

    // Over quota: one more slice waits with Kueue's message and a position.
    const extra = await submitJob({ user: carol, input: { image: "JupyterLab (SciPy)", script: "echo extra", profile: "mig-1g.10gb", priority: "low", cpu: 0.25, memoryGiB: 0.5 }, kube: cluster.kube });
    const waiting = await waitFor("extra queued with position", async () => {
      const r = await row(extra.id);
      return r.state === "queued" && r.queuePosition !== null ? r : undefined;
    });
    expect(waiting.stateReason).toBe("Pending");
    expect(waiting.stateDetail).toMatch(/insufficient unused quota for nvidia.com\/mig-1g.10gb in flavor mig-1g.10gb, 1 more needed/);
    expect(waiting.stateMessage).toMatch(/Waiting for capacity.*Position 1 in the batch queue/);
    await cancelJob({ userId: carol.id, jobId: extra.id, kube: cluster.kube });

    // The interactive session arrives: batch is evicted, the session runs.
    const { session } = await spawnSession({ user: dave, input: { image: "JupyterLab (SciPy)", profile: "mig-1g.10gb", cpu: 1, memoryGiB: 2, name: "urgent" }, kube: cluster.kube });
    await waitSession(session.id, "ready", 40_000);
    const requeued = await waitJob(filler.id, "queued", 30_000);
    expect(requeued.stateReason).toBe("InCohortReclamation");
    expect(requeued.stateMessage).toMatch(/Queued again after it was preempted \(an interactive session needed the GPUs/);

    // Stop the session: batch is admitted again and finishes.
    await stopSession({ userId: dave.id, sessionId: session.id, kube: cluster.kube });
    await waitJob(filler.id, "running", 40_000);
    await waitJob(filler.id, "succeeded", 60_000);

    // Its owner sees why it stopped, in order.
    const detail = await getJob({ userId: carol.id, jobId: filler.id });
    const seq = detail.events.map((e) => `${e.state}:${e.reason}`);
    const iPre = seq.indexOf("preempted:InCohortReclamation");
    const iQueued = seq.indexOf("queued:InCohortReclamation");
    expect(iPre).toBeGreaterThan(-1);
    expect(iQueued).toBeGreaterThan(iPre);
    expect(seq.lastIndexOf("running:Running")).toBeGreaterThan(iQueued);
    expect(seq.at(-1)).toMatch(/^succeeded:(CompletionsReached|Succeeded)$/);
    const evicted = detail.events.find((e) => e.reason === "InCohortReclamation")!;
    expect(evicted.detail).toMatch(/^Preempted to accommodate a workload \(UID: .*\) due to reclamation within the cohort$/);
    // Two running intervals, 16 slices each: before the eviction and after re-admission.
    const intervals = await db.batchJobInterval.findMany({ where: { jobId: filler.id }, orderBy: { startedAt: "asc" } });
    expect(intervals.map((i) => [i.flavor, i.resourceName, i.gpuCount])).toEqual([
      ["mig-1g.10gb", "nvidia.com/mig-1g.10gb", 16],
      ["mig-1g.10gb", "nvidia.com/mig-1g.10gb", 16],
    ]);
    expect(intervals[0]!.endReason).toBe("InCohortReclamation");
    expect(intervals[1]!.endReason).toMatch(/^(CompletionsReached|Succeeded)$/);
    expect(intervals[0]!.endedAt!.getTime()).toBeLessThanOrEqual(intervals[1]!.startedAt.getTime());
  }, 240_000);

  it("logs follow: streams a running trial until it ends", async () => {
    const u = asUser(await seedUser());
    const job = await submitJob({ user: u, input: { image: "JupyterLab (SciPy)", script: "echo start $JOB_COMPLETION_INDEX\nsleep 20\necho end", cpu: 0.5, memoryGiB: 1 }, kube: cluster.kube });
    await waitJob(job.id, "running");
    const log = await waitFor("a started pod", () => readJobLog({ userId: u.id, jobId: job.id, index: 0, follow: true, kube: cluster.kube }).catch(() => undefined));
    expect(log.source).toBe("pod");
    // The stream ends by itself when the container exits: it carries lines written after it opened.
    const all = await text(log.stream);
    expect(all).toContain("start 0");
    expect(all).toContain("end");
    await waitJob(job.id, "succeeded");
  }, 60_000);

  it("a restarted controller reconciles: a Job deleted while it was down fails the row and closes the open interval", async () => {
    const u = asUser(await seedUser());
    const job = await submitJob({ user: u, input: { image: "JupyterLab (SciPy)", script: "sleep 3600", cpu: 0.5, memoryGiB: 1 }, kube: cluster.kube });
    await waitJob(job.id, "running");
    await waitFor("interval open", async () => ((await db.batchJobInterval.count({ where: { jobId: job.id, endedAt: null } })) === 1 ? true : undefined));
    await jobs!.stop();
    await deleteJob(cluster.kube, job.k8sName);
    await waitFor("job gone", async () => ((await readJob(cluster.kube, job.k8sName)) === null ? true : undefined));
    expect((await row(job.id)).state).toBe("running");
    jobs = startJobsController({ db, kube: cluster.kube, log, config: { namespace: ns, localQueue: "batch", tickMs: 300, submitGraceMs: 0 } });
    await jobs.synced;
    const failed = await waitJob(job.id, "failed");
    expect(failed.stateReason).toBe("JobDeleted");
    const interval = await db.batchJobInterval.findFirstOrThrow({ where: { jobId: job.id } });
    expect(interval.endedAt).not.toBeNull();
    expect(interval.endReason).toBe("JobDeleted");
  }, 60_000);

  it("a job that runs and ends unseen (here: while the controller is down) is still accounted, in the cluster's own times", async () => {
    const u = asUser(await seedUser());
    await jobs!.stop();
    const job = await submitJob({ user: u, input: { image: "JupyterLab (SciPy)", script: "echo quick", trials: 2, cpu: 0.5, memoryGiB: 1 }, kube: cluster.kube });
    await waitFor("Job complete", async () => ((await readJob(cluster.kube, job.k8sName))?.status?.succeeded === 2 ? true : undefined), 30_000);
    const pods = await listJobPods(cluster.kube, job.k8sName);
    const starts = pods.flatMap((p) => p.status!.containerStatuses!.map((c) => new Date(c.state!.terminated!.startedAt!).getTime()));
    const ends = pods.flatMap((p) => p.status!.containerStatuses!.map((c) => new Date(c.state!.terminated!.finishedAt!).getTime()));
    expect((await row(job.id)).state).toBe("submitted");
    jobs = startJobsController({ db, kube: cluster.kube, log, config: { namespace: ns, localQueue: "batch", tickMs: 300, submitGraceMs: 5000 } });
    await jobs.synced;
    await waitJob(job.id, "succeeded");
    const intervals = await db.batchJobInterval.findMany({ where: { jobId: job.id } });
    expect(intervals).toHaveLength(1);
    expect(intervals[0]).toMatchObject({ userId: u.id, flavor: "cpu", gpuCount: 0, cpu: 1 });
    expect(intervals[0]!.startedAt.getTime()).toBe(Math.min(...starts));
    expect(intervals[0]!.endedAt!.getTime()).toBe(Math.max(...ends));
    // Seen again (the tick, a late event): still one interval.
    await jobs.stop();
    jobs = startJobsController({ db, kube: cluster.kube, log, config: { namespace: ns, localQueue: "batch", tickMs: 300, submitGraceMs: 5000 } });
    await jobs.synced;
    await new Promise((r) => setTimeout(r, 1000));
    expect(await db.batchJobInterval.count({ where: { jobId: job.id } })).toBe(1);
  }, 60_000);

  it("bad input → 4xx, nothing created", async () => {
    const u = asUser(await seedUser());
    const other = asUser(await seedUser());
    const before = await db.batchJob.count();
    const cases: Array<[unknown, RegExp]> = [
      [{ image: "JupyterLab (SciPy)", script: "   " }, /script is empty/],
      [{ image: "JupyterLab (SciPy)", script: "x".repeat(64 * 1024 + 1) }, /larger than 64 KiB/],
      [{ image: "JupyterLab (SciPy)", script: "echo", profile: "no-such" }, /Unknown GPU profile/],
      [{ image: "JupyterLab (SciPy)", script: "echo", trials: 17 }, /At most 16 parallel trials/],
      [{ image: "JupyterLab (SciPy)", script: "echo", deadlineSeconds: 8 * 86400 }, /at most 168 h/],
      [{ image: "nope", script: "echo" }, /Unknown image/],
      [{ script: "echo" }, /give a session to copy, or an image/],
    ];
    for (const [input, msg] of cases) {
      await expect(submitJob({ user: u, input, kube: cluster.kube })).rejects.toThrow(msg);
    }
    const theirs = await readySession(other, null, "theirs");
    await expect(submitJob({ user: u, input: { session: theirs.id, script: "echo" }, kube: cluster.kube })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await stopSession({ userId: other.id, sessionId: theirs.id, kube: cluster.kube });
    await waitSession(theirs.id, "stopped");
    await expect(submitJob({ user: other, input: { session: theirs.id, script: "echo" }, kube: cluster.kube })).rejects.toMatchObject({ code: "CONFLICT" });
    expect(await db.batchJob.count()).toBe(before);
  }, 60_000);

  it("a Kubernetes error mid-submit leaves no Job and a failed row with the reason", async () => {
    const u = asUser(await seedUser());
    // A copy of the kubeconfig whose server is a closed loopback port: every call fails like an unreachable API server.
    const brokenPath = `${cluster.kubeconfigPath}.broken`;
    writeFileSync(brokenPath, readFileSync(cluster.kubeconfigPath, "utf8").replace(/server: .*/, "server: http://127.0.0.1:9"));
    const broken = makeKubeClients({ kubeconfigPath: brokenPath, namespace: ns, requestTimeoutMs: 500 });
    await expect(submitJob({ user: u, input: { image: "JupyterLab (SciPy)", script: "echo" }, kube: broken })).rejects.toMatchObject({ code: "UPSTREAM_UNAVAILABLE" });
    const r = await db.batchJob.findFirstOrThrow({ where: { userId: u.id } });
    expect(r.state).toBe("failed");
    expect(r.stateReason).toBe("SubmitFailed");
    expect(r.stateMessage).toMatch(/Could not be created: The cluster (could not be reached|did not answer)/);
    expect(await readJob(cluster.kube, r.k8sName)).toBeNull();
  });

  it("cross-tenant: B cannot list, read, read logs of, cancel or resubmit A's jobs", async () => {
    const a = asUser(await seedUser());
    const b = asUser(await seedUser());
    const job = await submitJob({ user: a, input: { image: "JupyterLab (SciPy)", script: "echo mine", cpu: 0.5, memoryGiB: 1 }, kube: cluster.kube });
    await waitJob(job.id, "succeeded", 40_000);
    expect((await listJobs({ userId: b.id })).jobs.map((j) => j.id)).not.toContain(job.id);
    expect((await listJobs({ userId: a.id, state: "succeeded" })).jobs.map((j) => j.id)).toContain(job.id);
    await expect(getJob({ userId: b.id, jobId: job.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(readJobLog({ userId: b.id, jobId: job.id, index: 0, kube: cluster.kube })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(cancelJob({ userId: b.id, jobId: job.id, kube: cluster.kube })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(resubmitJob({ user: b, jobId: job.id, kube: cluster.kube })).rejects.toMatchObject({ code: "NOT_FOUND" });
    // And A's resubmit makes a copy.
    const copy = await resubmitJob({ user: a, jobId: job.id, kube: cluster.kube });
    expect(copy.id).not.toBe(job.id);
    expect(copy).toMatchObject({ trials: job.trials, cpu: job.cpu, memoryGiB: job.memoryGiB, image: job.image });
    await waitJob(copy.id, "succeeded", 40_000);
  }, 90_000);
});
