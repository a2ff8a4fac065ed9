import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedUser, testPrisma, uniqueSuffix } from "@/test/db";
import { startTestCluster, type TestCluster } from "@/lib/sessions/test-support/test-cluster";
import { submitJob } from "@/lib/batch/submit-job";
import { getJob } from "@/lib/batch/job-view";
import { readJob } from "@/lib/batch/batch-objects";

// Integration: the submit path's rows (job and charged group) against the simulator's API server
// and the run's PostgreSQL; what happens to the Job afterwards is batch-jobs.test.ts's.
const ns = `s-${uniqueSuffix()}`;
const db = testPrisma();
let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startTestCluster({ namespace: ns, timeScale: 10 });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

describe("submitting a batch job", () => {
  it("writes the row, the group it is charged to, and the Job, whether CPU-only or with GPUs", async () => {
    const group = `proj-${uniqueSuffix()}`;
    const u = await seedUser({ groups: ["users/ai-infn", group] });
    await db.userAccountingPrefs.create({ data: { userId: u.id, defaultGroup: group } });
    const user = { id: u.id, username: u.username, groups: u.groups };
    const charged = async (id: string) => (await db.usageCharge.findUniqueOrThrow({ where: { source_sourceId: { source: "job", sourceId: id } } })).groupCharged;

    const cpu = await submitJob({ user, input: { image: "VS Code", script: "echo cpu", profile: null, cpu: 0.5, memoryGiB: 1, name: "cpu job" }, db, kube: cluster.kube });
    expect(cpu).toMatchObject({ name: "cpu job", state: "submitted", gpuCount: 0, cpu: 0.5, memoryGiB: 1, trials: 1, target: "local", final: false });
    const stored = await db.batchJob.findUniqueOrThrow({ where: { id: cpu.id } });
    expect(stored).toMatchObject({ userId: u.id, state: "submitted", stateReason: "Submitted", namespace: ns, k8sName: cpu.k8sName, profileKey: null });
    expect(stored.spec).toMatchObject({ image: "VS Code", script: "echo cpu", cpu: 0.5, memoryGiB: 1, profile: null });
    expect(stored.createdAt.toISOString()).toBe(cpu.createdAt);
    expect(await charged(cpu.id)).toBe(group);
    expect((await getJob({ userId: u.id, jobId: cpu.id, db })).id).toBe(cpu.id);
    expect(await readJob(cluster.kube, cpu.k8sName)).not.toBeNull();

    const gpu = await submitJob({ user, input: { image: "VS Code", script: "echo gpu", profile: "mig-1g.10gb", cpu: 1, memoryGiB: 2, trials: 2 }, db, kube: cluster.kube });
    expect(gpu).toMatchObject({ state: "submitted", profileKey: "mig-1g.10gb", gpuCount: 1, trials: 2 });
    expect(await charged(gpu.id)).toBe(group);
  }, 60_000);
});
