import { BatchV1Api } from "@kubernetes/client-node";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedUser, testPrisma, uniqueSuffix } from "@/test/db";
import { startTestPrometheus, type TestPrometheus } from "@/test/prometheus";
import { createPrometheusClient } from "@/lib/metrics/prometheus-client";
import { readDevices, readIdleHolders } from "@/lib/metrics/cluster-view";
import { readSessionGpu } from "@/lib/metrics/session-gpu";
import { spawnSession } from "@/lib/sessions/spawn-session";
import { startTestCluster, type TestCluster } from "@/lib/sessions/test-support/test-cluster";
import { waitFor } from "@/lib/sessions/test-support/wait-for";

// Integration: the simulator's DCGM exporter and kube-state-metrics scraped by the real Prometheus.
const ns = `m-${uniqueSuffix()}`;
const db = testPrisma();
let cluster: TestCluster;
let prom: TestPrometheus;

beforeAll(async () => {
  cluster = await startTestCluster({ namespace: ns, timeScale: 1 });
  prom = await startTestPrometheus(cluster.sim);
}, 60_000);

afterAll(async () => {
  await prom?.stop();
  await cluster?.stop();
});

describe("monitoring from Prometheus", () => {
  it("shows a busy job's slice above 80 % held by its user, an idle session listed as idle; Prometheus stopped → the reason", async () => {
    const client = createPrometheusClient({ url: prom.url, timeoutMs: 3000, log: pino({ level: "silent" }) });
    const alice = await seedUser({ groups: ["users/ai-infn"] });
    const bob = await seedUser({ groups: ["users/ai-infn"] });
    const jobName = `train-${uniqueSuffix()}`;
    await db.batchJob.create({ data: { userId: bob.id, name: "train", k8sName: jobName, namespace: ns, spec: {}, image: "busybox", profileKey: "mig-1g.10gb", gpuCount: 1, cpu: 1, memoryGiB: 1, trials: 1, deadlineSeconds: 3600, priority: "normal", state: "running" } });
    await cluster.kube.kc.makeApiClient(BatchV1Api).createNamespacedJob({
      namespace: ns,
      body: {
        metadata: { name: jobName },
        spec: { backoffLimit: 0, template: { spec: { restartPolicy: "Never", containers: [{ name: "main", image: "busybox", command: ["sh", "-c", "busy 3600"], resources: { limits: { "nvidia.com/mig-1g.10gb": "1" } } }] } } },
      },
    });
    const { session } = await spawnSession({ user: { id: alice.id, username: alice.username, groups: alice.groups }, input: { image: "JupyterLab (SciPy)", profile: "mig-1g.10gb", cpu: 1, memoryGiB: 2 }, kube: cluster.kube });

    const view = await waitFor("both pods' slices in Prometheus", async () => {
      const r = await readDevices(client, db, { idleThreshold: 0.05 });
      if (!r.ok) return undefined;
      const job = r.data.devices.find((d) => d.holder?.kind === "job" && (d.utilisation ?? 0) > 0.8);
      const sess = r.data.devices.find((d) => d.holder?.kind === "session" && d.holder.id === session.id);
      return job && sess && { ...r.data, job, sess };
    }, 45_000, 500);
    expect(view.job).toMatchObject({ migProfile: "1g.10gb", holder: { username: bob.username, namespace: ns } });
    expect(view.job.powerW).toBeGreaterThan(0);
    expect(view.job.temperatureC).toBeGreaterThan(0);
    expect(view.sess.utilisation).toBeLessThan(0.05);
    expect(view.sess.holder).toMatchObject({ username: alice.username, pod: `session-${session.id}` });
    const t = view.totals.find((x) => x.profile.endsWith("1g.10gb"))!;
    expect(t.allocated).toBeGreaterThanOrEqual(2);
    expect(t.idle).toBeGreaterThanOrEqual(1);

    const idle = await waitFor("the idle session listed", async () => {
      const r = await readIdleHolders(client, db, { window: "5s", threshold: 0.05, namespace: ns });
      return r.ok && r.data.some((h) => h.id === session.id) && r.data;
    }, 45_000, 500);
    expect(idle.find((h) => h.id === session.id)).toMatchObject({ kind: "session", username: alice.username });
    expect(idle.some((h) => h.kind === "job")).toBe(false);

    // The session's own chart, for its owner; another researcher gets NOT_FOUND.
    const chart = await waitFor("the session's chart", async () => {
      const r = await readSessionGpu(client, db, { sessionId: session.id, userId: alice.id, isAdmin: false, minutes: 5 });
      return r.available && r.points.some((p) => p.memoryMiB !== null && p.memoryMiB > 0) && r;
    }, 30_000, 500);
    expect(chart.points.every((p) => p.activity === null || p.activity < 0.05)).toBe(true);
    await expect(readSessionGpu(client, db, { sessionId: session.id, userId: bob.id, isAdmin: false, minutes: 5 })).rejects.toMatchObject({ code: "NOT_FOUND" });

    await prom.stop();
    expect(await readSessionGpu(client, db, { sessionId: session.id, userId: alice.id, isAdmin: false, minutes: 5 })).toEqual({ available: false, reason: `Prometheus at ${prom.url} is unreachable` });
    const down = await readDevices(client, db, { idleThreshold: 0.05 });
    expect(down).toEqual({ ok: false, reason: `Prometheus at ${prom.url} is unreachable` });
  });
});
