import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import pino from "pino";
import { randomUUID } from "node:crypto";
import { seedUser, testDatabaseUrl, testPrisma, uniqueSuffix } from "@/test/db";
import { postgresConfig } from "@/lib/db/postgres-config";
import { createLeaderLock } from "@/controller/leader";
import { cullIdleSessions } from "@/controller/cull-idle-sessions";
import { listSessionEvents } from "@/lib/sessions/session-events";
import { startTestCluster, type TestCluster } from "@/lib/sessions/test-support/test-cluster";
import { waitFor } from "@/lib/sessions/test-support/wait-for";

const db = testPrisma();

describe("leader election", () => {
  it("one leader at a time; a waiting controller takes over when the leader's connection dies", async () => {
    const lockName = `test-lock-${uniqueSuffix()}`;
    const a = createLeaderLock(testDatabaseUrl(), { lockName, pollMs: 50 });
    const b = createLeaderLock(testDatabaseUrl(), { lockName, pollMs: 50 });
    await a.acquire();
    let lost: unknown;
    a.onLost((err) => (lost = err));
    let bLeads = false;
    const bAcquired = b.acquire().then(() => (bLeads = true));

    const admin = new pg.Client(postgresConfig(testDatabaseUrl()));
    await admin.connect();
    const holders = async () =>
      (await admin.query<{ pid: number }>("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid::int = hashtext($1)", [lockName])).rows;
    // b is connected and polling, yet the lock has exactly one holder: a.
    await waitFor("b polling", async () => (await admin.query("SELECT 1 FROM pg_stat_activity WHERE application_name = 'ai-hub-controller-leader'")).rowCount! >= 2 || undefined);
    expect(await holders()).toHaveLength(1);
    expect(bLeads).toBe(false);

    // The leader dies (its connection is killed); PostgreSQL releases the lock.
    await admin.query("SELECT pg_terminate_backend($1)", [(await holders())[0]!.pid]);
    await bAcquired;
    expect(bLeads).toBe(true);
    await waitFor("a notices it lost the lock", () => lost !== undefined || undefined);
    expect(await holders()).toHaveLength(1);
    await b.release();
    await a.release();
    expect(await holders()).toHaveLength(0);
    await admin.end();
  }, 30_000);
});

describe("idle culler", () => {
  let cluster: TestCluster;
  const ns = `c-${uniqueSuffix()}`;
  const log = pino({ level: "silent" });
  const min = 60_000;
  const policy = { idleTimeoutMs: 60 * min, maxAgeMs: 0, warningMs: 10 * min };

  beforeAll(async () => {
    cluster = await startTestCluster({ namespace: ns, timeScale: 10 });
  }, 60_000);
  afterAll(async () => cluster?.stop());

  async function readySession(userId: string, lastActivityAt: Date, profileId: string | null = null) {
    const image = await db.image.findFirstOrThrow({ where: { name: "VS Code" } });
    return db.session.create({
      data: {
        id: randomUUID(), userId, name: `s-${uniqueSuffix()}`, imageId: image.id, profileId, cpu: 1, memoryGiB: 1, state: "ready", progress: 100,
        namespace: ns, podName: `session-${randomUUID()}`, token: "t", readyAt: new Date(lastActivityAt.getTime() - min), lastActivityAt,
      },
    });
  }

  it("warns at least 10 minutes ahead (shown as an event), then stops the idle session", async () => {
    const u = await seedUser();
    const now = new Date();
    const s = await readySession(u.id, new Date(now.getTime() - 55 * min));
    await cullIdleSessions({ db, kube: cluster.kube, log, policy, now });
    const warned = await db.session.findUniqueOrThrow({ where: { id: s.id } });
    expect(warned.cullWarningAt).toEqual(now);
    expect(warned.state).toBe("ready");
    const events = await listSessionEvents(db, s.id, 0);
    expect(events.at(-1)).toMatchObject({ level: "warning" });
    expect(events.at(-1)!.message).toContain("will be stopped at");

    await cullIdleSessions({ db, kube: cluster.kube, log, policy, now: new Date(now.getTime() + 9 * min) });
    expect((await db.session.findUniqueOrThrow({ where: { id: s.id } })).state).toBe("ready");
    await cullIdleSessions({ db, kube: cluster.kube, log, policy, now: new Date(now.getTime() + 10 * min) });
    const culled = await db.session.findUniqueOrThrow({ where: { id: s.id } });
    expect(culled.state).toBe("stopped");
    expect(culled.reason).toContain("without activity");
    expect(await db.auditLog.count({ where: { action: "session.cull", targetId: s.id } })).toBe(1);
  }, 30_000);

  it("activity after the warning clears it; exempt profiles are never culled", async () => {
    const u = await seedUser();
    const now = new Date();
    const s = await readySession(u.id, new Date(now.getTime() - 55 * min));
    await cullIdleSessions({ db, kube: cluster.kube, log, policy, now });
    await db.session.update({ where: { id: s.id }, data: { lastActivityAt: new Date(now.getTime() + min) } });
    await cullIdleSessions({ db, kube: cluster.kube, log, policy, now: new Date(now.getTime() + 2 * min) });
    expect((await db.session.findUniqueOrThrow({ where: { id: s.id } })).cullWarningAt).toBeNull();

    const exempt = await db.gpuProfile.create({
      data: { key: `exempt-${uniqueSuffix()}`, displayName: "Exempt", strategy: "mig_mixed", resourceName: "nvidia.com/mig-1g.10gb", allowedGroups: [], cullExempt: true },
    });
    const e = await readySession(u.id, new Date(now.getTime() - 10 * 60 * min), exempt.id);
    await cullIdleSessions({ db, kube: cluster.kube, log, policy, now });
    expect(await db.session.findUniqueOrThrow({ where: { id: e.id } })).toMatchObject({ state: "ready", cullWarningAt: null });
  }, 30_000);
});
