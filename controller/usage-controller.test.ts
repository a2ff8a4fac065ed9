import { randomUUID } from "node:crypto";
import { Watch, type V1Pod } from "@kubernetes/client-node";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedUser, testPrisma, uniqueSuffix } from "@/test/db";
import { closeUsageRecord, openUsageRecord } from "@/lib/accounting/usage-store";
import { foldJobIntervals } from "@/lib/accounting/fold-job-intervals";
import { checkBudget } from "@/lib/budgets/assert-within-budget";
import { spawnSession } from "@/lib/sessions/spawn-session";
import { stopSession } from "@/lib/sessions/stop-session";
import { startTestCluster, type TestCluster } from "@/lib/sessions/test-support/test-cluster";
import { waitFor } from "@/lib/sessions/test-support/wait-for";
import { startSessionController, type RunningController } from "@/controller/session-controller";
import { startUsageController, type RunningUsageController } from "@/controller/usage-controller";

// Integration: the simulator at real time (scale 1, so the cluster's timestamps and ours agree) and the run's PostgreSQL.
const ns = `u-${uniqueSuffix()}`;
const db = testPrisma();
const log = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
let cluster: TestCluster;
let sessions: RunningController;
let usage: RunningUsageController | undefined;
let stopWatch: (() => void) | undefined;
/** What the simulator said happened to each pod: last object seen, and when its deletion reached us. */
const seen = new Map<string, { last: V1Pod; deletedAt?: Date }>();

const startUsage = () => (usage = startUsageController({ db, kube: cluster.kube, log, config: { namespace: ns, heartbeatMs: 300 } }));
// The charged group (first) is a fresh one per test; users/ai-infn makes the default profiles available.
const researcher = () => seedUser({ groups: [`grp-${uniqueSuffix()}`, "users/ai-infn"] });
const weightOf = async (key: string) => (await db.gpuProfile.findUniqueOrThrow({ where: { key } })).accountingWeight;
const records = (sessionId: string) => db.usageRecord.findMany({ where: { source: "session", sourceId: sessionId }, orderBy: { startedAt: "asc" } });

async function spawn(u: { id: string; username: string; groups: string[] }) {
  const { session } = await spawnSession({ user: u, input: { image: "JupyterLab (SciPy)", profile: "mig-1g.10gb", cpu: 1, memoryGiB: 2 }, kube: cluster.kube });
  return session;
}
const openRecord = (sessionId: string) => waitFor(`usage record of ${sessionId} open`, async () => (await records(sessionId)).find((r) => r.endedAt === null));
const closedRecord = (sessionId: string) => waitFor(`usage record of ${sessionId} closed`, async () => {
  const rs = await records(sessionId);
  return rs.length > 0 && rs.every((r) => r.endedAt !== null) && rs;
});

beforeAll(async () => {
  cluster = await startTestCluster({ namespace: ns, timeScale: 1 });
  sessions = startSessionController({ db, kube: cluster.kube, log, config: { namespace: ns, localQueue: "interactive", admissionTimeoutMs: 60_000, unschedulableGraceMs: 0, orphanGraceMs: 1000, tickMs: 300, cullEveryMs: 3_600_000, spawnGraceMs: 500 } });
  await sessions.synced;
  const req = await new Watch(cluster.kube.kc).watch(`/api/v1/namespaces/${ns}/pods`, {}, (type, pod: V1Pod) => {
    const name = pod.metadata!.name!;
    seen.set(name, { last: pod, ...(type === "DELETED" ? { deletedAt: new Date() } : {}) });
  }, () => undefined);
  stopWatch = () => req.abort();
  await startUsage().synced;
}, 60_000);

afterAll(async () => {
  stopWatch?.();
  await usage?.stop();
  await sessions?.stop();
  await cluster?.stop();
});

describe("usage records from the cluster", () => {
  it("a CPU-only session's record: no profile, no GPU model, weight 0, charged to the group chosen at spawn", async () => {
    const u = await researcher();
    await db.user.update({ where: { id: u.id }, data: { groups: [...u.groups, "users/second"] } });
    const { session } = await spawnSession({ user: { ...u, groups: [...u.groups, "users/second"] }, input: { image: "JupyterLab (SciPy)", cpu: 1, memoryGiB: 1, chargeGroup: "users/second" }, kube: cluster.kube });
    const rec = await openRecord(session.id);
    expect(rec).toMatchObject({ userId: u.id, groupCharged: "users/second", profileKey: null, gpuModel: null, gpuCount: 0, weight: 0, cpu: 1, memoryGiB: 1, podName: `session-${session.id}` });
    await stopSession({ userId: u.id, sessionId: session.id, kube: cluster.kube });
    await closedRecord(session.id);
  });

  it("opens at the container's start and closes when the pod ends, weighted by the profile", async () => {
    const u = await researcher();
    const s = await spawn(u);
    const rec = await openRecord(s.id);
    const pod = await cluster.kube.core.readNamespacedPod({ name: `session-${s.id}`, namespace: ns });
    expect(rec.startedAt.getTime()).toBe(new Date(pod.status!.containerStatuses![0]!.state!.running!.startedAt!).getTime());
    expect(rec).toMatchObject({ userId: u.id, groupCharged: u.groups[0], profileKey: "mig-1g.10gb", gpuCount: 1, cpu: 1, memoryGiB: 2, podName: `session-${s.id}` });
    expect(rec.weight).toBe(await weightOf("mig-1g.10gb"));
    const node = await cluster.kube.core.readNode({ name: pod.spec!.nodeName! });
    expect(rec.gpuModel).toBe(node.metadata!.labels!["nvidia.com/gpu.product"]);
    expect(rec.gpuModel).toBeTruthy();

    await stopSession({ userId: u.id, sessionId: s.id, kube: cluster.kube });
    const [closed] = await closedRecord(s.id);
    const deletedAt = await waitFor("pod deletion seen", () => seen.get(`session-${s.id}`)?.deletedAt);
    expect(closed!.endedAt!.getTime()).toBeGreaterThan(closed!.startedAt.getTime());
    expect(closed!.endedAt!.getTime()).toBeLessThanOrEqual(deletedAt.getTime() + 1000);
    const month = await db.usageMonthly.findMany({ where: { userId: u.id } });
    const hours = ((closed!.endedAt!.getTime() - closed!.startedAt.getTime()) / 3_600_000) * closed!.weight;
    expect(month.map((m) => [m.profileKey, m.source, m.records])).toEqual([["mig-1g.10gb", "session", 1]]);
    expect(month[0]!.gpuHours).toBeCloseTo(hours, 6);
  });

  it("after a kill, a pod that vanished meanwhile is closed at its last heartbeat; nothing is opened twice", async () => {
    const u = await researcher();
    const s = await spawn(u);
    await openRecord(s.id);
    // Let at least one heartbeat land, then kill the usage controller.
    const before = (await records(s.id))[0]!.lastSeenAt;
    await waitFor("a heartbeat", async () => (await records(s.id))[0]!.lastSeenAt > before);
    await usage!.stop();
    const lastSeen = (await records(s.id))[0]!.lastSeenAt;
    await stopSession({ userId: u.id, sessionId: s.id, kube: cluster.kube });
    const deletedAt = await waitFor("pod deletion seen", () => seen.get(`session-${s.id}`)?.deletedAt);

    await startUsage().synced;
    const rs = await closedRecord(s.id);
    expect(rs).toHaveLength(1);
    expect(rs[0]!.endedAt).toEqual(lastSeen);
    expect(rs[0]!.endedAt!.getTime()).toBeLessThanOrEqual(deletedAt.getTime());
    expect(rs[0]!.endReason).toMatch(/last heartbeat/);
  });

  it("a restart while the pod runs keeps one open record, then closes it once", async () => {
    const u = await researcher();
    const s = await spawn(u);
    const first = await openRecord(s.id);
    await usage!.stop();
    await startUsage().synced;
    await usage!.reconcile();
    expect((await records(s.id)).map((r) => r.id)).toEqual([first.id]);
    await stopSession({ userId: u.id, sessionId: s.id, kube: cluster.kube });
    const rs = await closedRecord(s.id);
    expect(rs).toHaveLength(1);
    expect((await db.usageMonthly.findMany({ where: { userId: u.id } })).reduce((n, m) => n + m.records, 0)).toBe(1);
  });
});

describe("budgets at spawn", () => {
  it("refuses a spawn over the group's budget with the numbers, creating nothing", async () => {
    const u = await researcher();
    const group = u.groups[0]!;
    await db.budget.create({ data: { group, profileKey: "mig-1g.10gb", monthlyGpuHours: 2, createdBy: "test" } });
    // 14 slice-hours of a 1/7 profile this month = 2 A100-hours: the budget is used up.
    const start = new Date(Date.now() - 15 * 3_600_000);
    const monthStart = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 1));
    const from = start < monthStart ? monthStart : start;
    await openUsageRecord(db, { userId: u.id, source: "session", sourceId: randomUUID(), startedAt: from, profileKey: "mig-1g.10gb", gpuModel: null, gpuCount: 1, weight: 1 / 7, cpu: 1, memoryGiB: 2 });
    const rec = await db.usageRecord.findFirstOrThrow({ where: { userId: u.id } });
    await closeUsageRecord(db, rec.id, new Date(from.getTime() + 14 * 3_600_000), "test");

    const attempt = spawn(u);
    await expect(attempt).rejects.toMatchObject({ code: "QUOTA_EXCEEDED", message: expect.stringContaining(`group ${group} has used 2 of 2 A100-hours on mig-1g.10gb this month`) });
    expect(await db.session.count({ where: { userId: u.id } })).toBe(0);
    const pods = await cluster.kube.core.listNamespacedPod({ namespace: ns, labelSelector: `ai-hub.infn.it/user-id=${u.id}` });
    expect(pods.items).toHaveLength(0);
  });

  it("warns from 80 % and records the charged group with the session", async () => {
    const u = await researcher();
    const group = u.groups[0]!;
    await db.budget.create({ data: { group, profileKey: "*", monthlyGpuHours: 100, createdBy: "test" } });
    const monthStart = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 1));
    await openUsageRecord(db, { userId: u.id, source: "job", sourceId: randomUUID(), startedAt: monthStart, profileKey: "a100", gpuModel: null, gpuCount: 1, weight: 1, cpu: 1, memoryGiB: 1 });
    const rec = await db.usageRecord.findFirstOrThrow({ where: { userId: u.id } });
    await closeUsageRecord(db, rec.id, new Date(monthStart.getTime() + 85 * 3_600_000), "test");
    expect(await checkBudget(db, { userId: u.id, profileKey: "mig-1g.10gb", requestedGpus: 1 })).toMatchObject({ group, decision: { kind: "warn", percent: 85 } });
    const s = await spawn(u);
    expect(await db.usageCharge.findUnique({ where: { source_sourceId: { source: "session", sourceId: s.id } } })).toMatchObject({ groupCharged: group });
    await stopSession({ userId: u.id, sessionId: s.id, kube: cluster.kube });
  });

  it("charges the group chosen at spawn (one of the user's, else 400 naming chargeGroup, nothing created)", async () => {
    const u = await researcher();
    const input = { image: "JupyterLab (SciPy)", profile: "mig-1g.10gb", cpu: 1, memoryGiB: 2 };
    await expect(spawnSession({ user: u, input: { ...input, chargeGroup: "someone-elses" }, kube: cluster.kube })).rejects.toMatchObject({
      code: "INVALID",
      details: { fields: { chargeGroup: expect.stringContaining("not a member of group someone-elses") } },
    });
    expect(await db.session.count({ where: { userId: u.id } })).toBe(0);
    const { session: s } = await spawnSession({ user: u, input: { ...input, chargeGroup: "users/ai-infn" }, kube: cluster.kube });
    expect(await db.usageCharge.findUnique({ where: { source_sourceId: { source: "session", sourceId: s.id } } })).toMatchObject({ groupCharged: "users/ai-infn" });
    expect(await openRecord(s.id)).toMatchObject({ groupCharged: "users/ai-infn" });
    await stopSession({ userId: u.id, sessionId: s.id, kube: cluster.kube });
  });
});

describe("batch intervals folded into usage records", () => {
  it("a preemption closes the record and a re-admission opens the next; folding twice changes nothing", async () => {
    const u = await researcher();
    const job = await db.batchJob.create({
      data: { userId: u.id, name: "train", k8sName: `job-${uniqueSuffix()}`, namespace: ns, spec: {}, image: "x", profileKey: "mig-1g.10gb", gpuCount: 1, cpu: 2, memoryGiB: 4, trials: 2, deadlineSeconds: 3600, priority: "normal" },
    });
    const t0 = new Date(Date.now() - 3 * 3_600_000);
    const first = await db.batchJobInterval.create({ data: { jobId: job.id, userId: u.id, flavor: "mig-1g.10gb", resourceName: "nvidia.com/mig-1g.10gb", gpuCount: 2, cpu: 4, startedAt: t0 } });
    await foldJobIntervals(db);
    const jobRecords = () => db.usageRecord.findMany({ where: { source: "job", sourceId: job.id }, orderBy: { startedAt: "asc" } });
    expect(await jobRecords()).toMatchObject([{ endedAt: null, gpuCount: 2, cpu: 4, memoryGiB: 8, groupCharged: u.groups[0] }]);

    const preempted = new Date(t0.getTime() + 3_600_000);
    await db.batchJobInterval.update({ where: { id: first.id }, data: { endedAt: preempted, endReason: "Preempted" } });
    await db.batchJobInterval.create({ data: { jobId: job.id, userId: u.id, flavor: "mig-1g.10gb", resourceName: "nvidia.com/mig-1g.10gb", gpuCount: 2, cpu: 4, startedAt: new Date(preempted.getTime() + 600_000) } });
    await foldJobIntervals(db);
    await foldJobIntervals(db);
    const rs = await jobRecords();
    expect(rs.map((r) => [r.endedAt?.toISOString() ?? null, r.endReason])).toEqual([[preempted.toISOString(), "Preempted"], [null, null]]);
    const rolled = await db.usageMonthly.findMany({ where: { userId: u.id, source: "job" } });
    expect(rolled.reduce((h, m) => h + m.gpuHours, 0)).toBeCloseTo(2 * (await weightOf("mig-1g.10gb")), 6);
  });
});
