import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedUser, testPrisma, uniqueSuffix } from "@/test/db";
import { startTestPrometheus, type TestPrometheus } from "@/test/prometheus";
import { cullIdleSessions } from "@/controller/cull-idle-sessions";
import { createPrometheusClient } from "@/lib/metrics/prometheus-client";
import { listSessionEvents } from "@/lib/sessions/session-events";
import { spawnSession } from "@/lib/sessions/spawn-session";
import { startTestCluster, type TestCluster } from "@/lib/sessions/test-support/test-cluster";
import { waitFor } from "@/lib/sessions/test-support/wait-for";

// Integration: the GPU-idle culling rule against the simulator's DCGM exporter scraped by the real
// Prometheus. The session is active over HTTP, so only the GPU rule can act on it.
const ns = `g-${uniqueSuffix()}`;
const db = testPrisma();
const log = pino({ level: "silent" });
const min = 60_000;
// A 5 s window so the test need not wait 30 minutes; the decision itself is unit-tested in lib/sessions.
const policy = { idleTimeoutMs: 600 * min, maxAgeMs: 0, warningMs: 10 * min, gpuIdleMs: 5_000 };
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

async function readyGpuSession() {
  const u = await seedUser({ groups: ["users/ai-infn"] });
  const { session } = await spawnSession({ user: { id: u.id, username: u.username, groups: u.groups }, input: { image: "JupyterLab (SciPy)", profile: "mig-1g.10gb", cpu: 1, memoryGiB: 2 }, kube: cluster.kube });
  // No session controller here: mark it ready as the controller would, active over HTTP just now.
  await db.session.update({ where: { id: session.id }, data: { state: "ready", progress: 100, readyAt: new Date(), lastActivityAt: new Date() } });
  return session;
}

describe("GPU-idle culling (CULL_GPU_IDLE)", () => {
  it("Prometheus unavailable: nothing is warned or stopped", async () => {
    const s = await readyGpuSession();
    await cullIdleSessions({ db, kube: cluster.kube, log, policy, prom: { ok: false, reason: "PROMETHEUS_URL is not set" } });
    const unreachable = createPrometheusClient({ url: "http://127.0.0.1:9", timeoutMs: 1000, log });
    await cullIdleSessions({ db, kube: cluster.kube, log, policy, prom: unreachable, now: new Date(Date.now() + 60 * min) });
    expect(await db.session.findUniqueOrThrow({ where: { id: s.id } })).toMatchObject({ state: "ready", cullWarningAt: null });
  }, 30_000);

  it("a session idle on its GPU is warned (event in the UI), then stopped after the warning period", async () => {
    const s = await readyGpuSession();
    const client = createPrometheusClient({ url: prom.url, timeoutMs: 3000, log });
    const warned = await waitFor("the GPU-idle warning", async () => {
      await cullIdleSessions({ db, kube: cluster.kube, log, policy, prom: client });
      return (await db.session.findUniqueOrThrow({ where: { id: s.id } })).cullWarningAt ?? undefined;
    }, 60_000, 1000);
    const events = await listSessionEvents(db, s.id, 0);
    expect(events.at(-1)).toMatchObject({ level: "warning", message: expect.stringContaining("because its GPU has been idle") });

    // Not before the warning period is over.
    await cullIdleSessions({ db, kube: cluster.kube, log, policy, prom: client, now: new Date(warned.getTime() + 9 * min) });
    expect((await db.session.findUniqueOrThrow({ where: { id: s.id } })).state).toBe("ready");
    await cullIdleSessions({ db, kube: cluster.kube, log, policy, prom: client, now: new Date(warned.getTime() + 10 * min) });
    const culled = await db.session.findUniqueOrThrow({ where: { id: s.id } });
    expect(culled.state).not.toBe("ready");
    expect(culled.reason).toContain("GPU was idle");
    expect(await db.auditLog.findFirst({ where: { action: "session.cull", targetId: s.id } })).toMatchObject({ details: { reason: "gpu-idle" } });
  }, 90_000);
});
