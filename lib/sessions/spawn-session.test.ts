import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import pg from "pg";
import pino from "pino";
import { randomUUID } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { seedUser, testDatabaseUrl, testPrisma, uniqueSuffix } from "@/test/db";
import { postgresConfig } from "@/lib/db/postgres-config";
import { makeKubeClients } from "@/lib/kube/client";
import { SESSION_POD_SELECTOR, USER_ID_LABEL, sessionLabels } from "@/lib/kube/labels";
import { spawnSession } from "@/lib/sessions/spawn-session";
import { stopSession } from "@/lib/sessions/stop-session";
import { getSession } from "@/lib/sessions/list-sessions";
import { openSessionEventStream } from "@/lib/sessions/event-stream";
import { listSessionEvents } from "@/lib/sessions/session-events";
import { listCatalogue } from "@/lib/catalog/list-catalogue";
import { capacityText } from "@/components/sessions/capacity-text";
import { ROUTES_CHANNEL, type RouteMessage } from "@/lib/sessions/routes";
import { startSessionController, type ControllerConfig, type RunningController } from "@/controller/session-controller";
import { startTestCluster, type TestCluster } from "@/lib/sessions/test-support/test-cluster";
import { waitFor } from "@/lib/sessions/test-support/wait-for";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors/app-error";

// Before any import reads the environment (lib/env parses it once): the portal's URL for AI_HUB_URL.
vi.hoisted(() => {
  process.env.NEXTAUTH_URL = "https://aihub.test.example";
});

// Integration: the real simulator (API server, scheduler, kubelet, Kueue) and the run's PostgreSQL.
const ns = `t-${uniqueSuffix()}`;
const db = testPrisma();
const log = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
let cluster: TestCluster;
let controller: RunningController | undefined;
const routes: RouteMessage[] = [];
let listener: pg.Client;

const config: ControllerConfig = {
  namespace: ns,
  localQueue: "interactive",
  admissionTimeoutMs: 60_000,
  unschedulableGraceMs: 0,
  orphanGraceMs: 1000,
  tickMs: 300,
  cullEveryMs: 3_600_000,
  spawnGraceMs: 500,
};

function startController(): RunningController {
  controller = startSessionController({ db, kube: cluster.kube, log, config });
  return controller;
}

const researcher = () => seedUser({ groups: ["users/ai-infn"] });
const state = async (id: string) => (await db.session.findUniqueOrThrow({ where: { id } })).state;
const waitState = (id: string, want: string, ms = 25_000) => waitFor(`session ${id} ${want}`, async () => ((await state(id)) === want ? true : undefined), ms);
const podsOf = async () => (await cluster.kube.core.listNamespacedPod({ namespace: ns, labelSelector: SESSION_POD_SELECTOR })).items;

beforeAll(async () => {
  cluster = await startTestCluster({ namespace: ns, timeScale: 10 });
  process.env.KUBE_NAMESPACE = ns;
  listener = new pg.Client(postgresConfig(testDatabaseUrl()));
  await listener.connect();
  listener.on("notification", (n) => {
    if (n.channel === ROUTES_CHANNEL && n.payload) routes.push(JSON.parse(n.payload) as RouteMessage);
  });
  await listener.query(`LISTEN ${ROUTES_CHANNEL}`);
  await startController().synced;
}, 60_000);

afterAll(async () => {
  await controller?.stop();
  await listener?.end();
  await cluster?.stop();
});

/** A VS Code session's row as spawnSession commits it before creating the pod (state requested); its id. */
async function insertRequestedRow(userId: string, name: string): Promise<string> {
  const image = await db.image.findFirstOrThrow({ where: { name: "VS Code" } });
  const id = randomUUID();
  await db.session.create({ data: { id, userId, name, imageId: image.id, cpu: 1, memoryGiB: 1, state: "requested", progress: 5, namespace: ns, podName: `session-${id}`, token: "t".repeat(40) } });
  return id;
}

describe("sessions against the simulator", () => {
  it("spawn → queued/admitted → running → ready → stop, with progress events and proxy routes", async () => {
    const alice = await researcher();
    const { session, created } = await spawnSession({
      user: { id: alice.id, username: alice.username, groups: alice.groups },
      input: { image: "JupyterLab (SciPy)", profile: "mig-1g.10gb", cpu: 1, memoryGiB: 2, name: "thesis" },
      kube: cluster.kube,
    });
    expect(created).toBe(true);
    expect(session.url).toBe(`/user/${alice.username}/thesis/`);
    const pod = await cluster.kube.core.readNamespacedPod({ name: `session-${session.id}`, namespace: ns });
    expect(pod.spec!.containers[0]!.resources!.limits!["nvidia.com/mig-1g.10gb"]).toBe("1");
    // The portal's URL for the CLI inside the session (NEXTAUTH_URL).
    expect(pod.spec!.containers[0]!.env!.find((v) => v.name === "AI_HUB_URL")?.value).toBe("https://aihub.test.example");

    await waitState(session.id, "ready", 40_000);
    const row = await db.session.findUniqueOrThrow({ where: { id: session.id } });
    expect(row.podIp).toMatch(/^127\./);
    expect(row.node).toBe("aiinfn-gpu-mig");
    const events = await listSessionEvents(db, session.id, 0);
    expect(events[0]!.message).toBe("Session requested.");
    expect(events.at(-1)).toMatchObject({ progress: 100, ready: true, url: `/user/${alice.username}/thesis/` });
    expect(events.map((e) => e.message).join("\n")).toContain("Scheduled to node aiinfn-gpu-mig");
    const upsert = await waitFor("ready route", () => routes.find((r) => r.route.sessionId === session.id && r.route.state === "ready"));
    expect(upsert).toMatchObject({ op: "upsert", route: { username: alice.username, sessionName: "thesis", ownerId: alice.id, target: { host: row.podIp, port: 8888 }, token: row.token, stripPrefix: false } });

    const stopped = await stopSession({ userId: alice.id, sessionId: session.id, kube: cluster.kube });
    expect(["stopping", "stopped"]).toContain(stopped.state);
    await waitState(session.id, "stopped");
    await waitFor("pod deleted", async () => ((await podsOf()).some((p) => p.metadata!.name === `session-${session.id}`) ? undefined : true));
    expect(routes.some((r) => r.op === "delete" && r.route.sessionId === session.id)).toBe(true);
  }, 60_000);

  it("streams progress as SSE and resumes after Last-Event-ID", async () => {
    const u = await researcher();
    const { session } = await spawnSession({ user: { id: u.id, username: u.username, groups: u.groups }, input: { image: "VS Code", cpu: 1, memoryGiB: 1 }, kube: cluster.kube });
    const read = async (after: number) => {
      const stream = await openSessionEventStream({ userId: u.id, sessionId: session.id, lastEventId: after, signal: new AbortController().signal, pollMs: 100, db });
      return new Response(stream).text();
    };
    const all = await read(0);
    const ids = [...all.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids[0]).toBe(1);
    expect(all).toContain('"ready":true');
    const resumed = await read(ids[1]!);
    expect([...resumed.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))).toEqual(ids.slice(2));
    await stopSession({ userId: u.id, sessionId: session.id, kube: cluster.kube });
  }, 60_000);

  it("surfaces the scheduler's message when no node can hold the pod", async () => {
    const group = `big-${uniqueSuffix()}`;
    await db.sessionPolicy.create({ data: { group, maxSessions: 2, maxGpus: 1, maxCpu: 500, maxMemoryGiB: 64 } });
    const u = await seedUser({ groups: [group] });
    // 200 CPUs fit the cohort's quota (the sum of all nodes) but no single node.
    const { session } = await spawnSession({ user: { id: u.id, username: u.username, groups: u.groups }, input: { image: "VS Code", cpu: 200, memoryGiB: 1 }, kube: cluster.kube });
    await waitState(session.id, "failed");
    const row = await db.session.findUniqueOrThrow({ where: { id: session.id } });
    expect(row.reason).toBe("Unschedulable");
    const last = (await listSessionEvents(db, session.id, 0)).at(-1)!;
    expect(last.failed).toBe(true);
    expect(last.message).toMatch(/cannot place the session: .*cpu/i);
  }, 60_000);

  it("fails fast with the reason when the image cannot be pulled", async () => {
    await db.image.upsert({ where: { name: "Broken image (test)" }, update: {}, create: { name: "Broken image (test)", reference: "registry.invalid/nothing:1", kind: "jupyterlab" } });
    const u = await researcher();
    const { session } = await spawnSession({ user: { id: u.id, username: u.username, groups: u.groups }, input: { image: "Broken image (test)", cpu: 1, memoryGiB: 1 }, kube: cluster.kube });
    await waitState(session.id, "failed");
    const last = (await listSessionEvents(db, session.id, 0)).at(-1)!;
    expect(last.message).toContain("registry.invalid/nothing:1");
    expect(last.message).toMatch(/ErrImagePull|ImagePullBackOff/);
  }, 60_000);

  it("a full profile queues with a position and starts when the slot frees", async () => {
    const a = await researcher();
    const b = await researcher();
    const spawn3g = (u: typeof a) => spawnSession({ user: { id: u.id, username: u.username, groups: u.groups }, input: { image: "VS Code", profile: "mig-3g.40gb", cpu: 1, memoryGiB: 1 }, kube: cluster.kube });
    const first = (await spawn3g(a)).session;
    await waitState(first.id, "ready");
    const second = (await spawn3g(b)).session;
    await waitState(second.id, "queued");
    await waitFor("queue position in the events", async () => (await listSessionEvents(db, second.id, 0)).some((e) => e.message.includes("number 1 in the queue")) || undefined);
    // What the spawn page shows for the profile now: no slot free, one session waiting for it.
    const catalogue = await listCatalogue({ groups: b.groups, db, kube: cluster.kube });
    const full = catalogue.profiles.find((p) => p.key === "mig-3g.40gb")!;
    expect(full.capacity).toMatchObject({ free: 0, queued: 1 });
    expect(full.capacity!.total).toBeGreaterThan(0);
    expect(capacityText(full)).toBe(`full (${full.capacity!.total} in use) — you would queue as number 2`);
    // A pending session can be cancelled: its pod goes, and it ends stopped without ever running.
    const c = await researcher();
    const third = (await spawn3g(c)).session;
    await waitState(third.id, "queued");
    await stopSession({ userId: c.id, sessionId: third.id, kube: cluster.kube });
    await waitState(third.id, "stopped");
    expect((await db.session.findUniqueOrThrow({ where: { id: third.id } })).readyAt).toBeNull();
    await waitFor("cancelled pod gone", async () => ((await podsOf()).some((p) => p.metadata!.name === `session-${third.id}`) ? undefined : true));
    await stopSession({ userId: a.id, sessionId: first.id, kube: cluster.kube });
    await waitState(second.id, "ready", 40_000);
    await stopSession({ userId: b.id, sessionId: second.id, kube: cluster.kube });
  }, 90_000);

  it("loses nothing when the controller stops mid-spawn and starts again", async () => {
    await controller!.stop();
    const u = await researcher();
    const { session } = await spawnSession({ user: { id: u.id, username: u.username, groups: u.groups }, input: { image: "VS Code", cpu: 1, memoryGiB: 1 }, kube: cluster.kube });
    await waitFor("pod ready in the cluster", async () => {
      const p = await cluster.kube.core.readNamespacedPod({ name: `session-${session.id}`, namespace: ns });
      return p.status?.containerStatuses?.[0]?.ready || undefined;
    });
    expect(await state(session.id)).toBe("requested");
    await startController().synced;
    await waitState(session.id, "ready");
    expect((await listSessionEvents(db, session.id, 0)).at(-1)).toMatchObject({ ready: true });
    await stopSession({ userId: u.id, sessionId: session.id, kube: cluster.kube });
  }, 60_000);

  it("a spawn whose web process died between its row and its pod fails with the reason after the grace; a pod deleted outside AI Hub stops its session", async () => {
    const u = await researcher();
    // What spawnSession commits before it creates the pod; then nothing more (the process died).
    const id = await insertRequestedRow(u.id, "interrupted");
    await waitState(id, "failed", 10_000);
    const failed = await db.session.findUniqueOrThrow({ where: { id } });
    expect(failed.reason).toBe("The spawn was interrupted before the pod was created.");
    expect(failed.createdAt.getTime() + config.spawnGraceMs).toBeLessThanOrEqual(failed.stoppedAt!.getTime());

    const { session } = await spawnSession({ user: { id: u.id, username: u.username, groups: u.groups }, input: { image: "VS Code", cpu: 1, memoryGiB: 1 }, kube: cluster.kube });
    await waitState(session.id, "ready");
    // An administrator's kubectl delete, a node failure, a preemption: not AI Hub's stop.
    await cluster.kube.core.deleteNamespacedPod({ name: `session-${session.id}`, namespace: ns, gracePeriodSeconds: 0 });
    await waitState(session.id, "stopped");
    expect((await db.session.findUniqueOrThrow({ where: { id: session.id } })).reason).toMatch(/deleted outside AI Hub/);
  }, 60_000);

  it("a crashing server fails the session with its exit code and last log lines, read from the cluster", async () => {
    const u = await researcher();
    // A session whose server crashes at start: its row as spawnSession writes it, its pod running a script that fails.
    const id = await insertRequestedRow(u.id, "crashy");
    await cluster.kube.core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: `session-${id}`, labels: sessionLabels({ sessionId: id, userId: u.id, username: u.username }) },
        spec: { containers: [{ name: "c", image: "busybox:1", command: ["bash", "-c", "echo loading the extension; echo ImportError: no module named torch; exit 3"], resources: { requests: { cpu: "100m", memory: "64Mi" } } }] },
      },
    });
    await waitState(id, "failed", 30_000);
    expect((await db.session.findUniqueOrThrow({ where: { id } })).reason).toBe("CrashLoopBackOff");
    const last = (await listSessionEvents(db, id, 0)).at(-1)!;
    expect(last).toMatchObject({ failed: true });
    expect(last.message).toContain("exited with exit code 3");
    expect(last.message).toContain("ImportError: no module named torch");
    // A failed session releases its resources at once.
    await waitFor("crashed pod deleted", async () => ((await podsOf()).some((p) => p.metadata!.name === `session-${id}`) ? undefined : true), 20_000);
  }, 60_000);

  it("records and deletes a managed pod that has no session row", async () => {
    const fakeId = randomUUID();
    await cluster.kube.core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: `session-${fakeId}`, labels: sessionLabels({ sessionId: fakeId, userId: randomUUID(), username: "ghost" }) },
        spec: { containers: [{ name: "c", image: "busybox:1", resources: { requests: { cpu: "100m", memory: "64Mi" } } }] },
      },
    });
    await waitFor("orphan deleted", async () => ((await podsOf()).some((p) => p.metadata!.name === `session-${fakeId}`) ? undefined : true), 20_000);
    const audit = await db.auditLog.findMany({ where: { targetId: `session-${fakeId}` }, orderBy: { createdAt: "asc" } });
    expect(audit.map((a) => a.action)).toEqual(["session.orphan", "session.orphan.delete"]);
  }, 30_000);

  it("a stray pod carrying a running session's labels under another name is removed as an orphan; the session is untouched", async () => {
    const u = await researcher();
    const { session } = await spawnSession({ user: { id: u.id, username: u.username, groups: u.groups }, input: { image: "VS Code", cpu: 1, memoryGiB: 1, name: "kept" }, kube: cluster.kube });
    await waitState(session.id, "ready");
    const stray = `stray-${uniqueSuffix()}`;
    await cluster.kube.core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: stray, labels: sessionLabels({ sessionId: session.id, userId: u.id, username: u.username }) },
        spec: { containers: [{ name: "c", image: "busybox:1", resources: { requests: { cpu: "100m", memory: "64Mi" } } }] },
      },
    });
    await waitFor("stray pod deleted", async () => ((await podsOf()).some((p) => p.metadata!.name === stray) ? undefined : true), 20_000);
    // Its deletion is not the session's pod going away.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await state(session.id)).toBe("ready");
    expect((await db.auditLog.findMany({ where: { targetId: stray } })).map((a) => a.action)).toEqual(expect.arrayContaining(["session.orphan", "session.orphan.delete"]));
    await stopSession({ userId: u.id, sessionId: session.id, kube: cluster.kube });
  }, 60_000);
});

describe("spawn rules (nothing is created in the cluster when refused)", () => {
  it("refuses a profile the user's groups may not use, and other users' sessions are not found", async () => {
    const a = await researcher();
    const b = await researcher();
    const before = (await podsOf()).length;
    await expect(spawnSession({ user: { id: b.id, username: b.username, groups: b.groups }, input: { image: "VS Code", profile: "a100", cpu: 1, memoryGiB: 1 }, kube: cluster.kube })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect((await podsOf()).length).toBe(before);
    const { session } = await spawnSession({ user: { id: a.id, username: a.username, groups: a.groups }, input: { image: "VS Code", cpu: 1, memoryGiB: 1 }, kube: cluster.kube });
    await expect(getSession({ userId: b.id, sessionId: session.id, db })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(stopSession({ userId: b.id, sessionId: session.id, kube: cluster.kube })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(openSessionEventStream({ userId: b.id, sessionId: session.id, lastEventId: 0, signal: new AbortController().signal, db })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await state(session.id)).not.toBe("stopping");
    await stopSession({ userId: a.id, sessionId: session.id, kube: cluster.kube });
  }, 30_000);

  it("an idempotency key makes one session; limits and bad input say what to change", async () => {
    const u = await researcher();
    const user = { id: u.id, username: u.username, groups: u.groups };
    const input = { image: "VS Code", cpu: 1, memoryGiB: 1, idempotencyKey: `key-${uniqueSuffix()}` };
    const [x, y] = await Promise.all([spawnSession({ user, input, kube: cluster.kube }), spawnSession({ user, input, kube: cluster.kube })]);
    expect(x.session.id).toBe(y.session.id);
    expect([x.created, y.created].sort()).toEqual([false, true]);
    await expect(spawnSession({ user, input: { image: "VS Code", cpu: 64, memoryGiB: 1 }, kube: cluster.kube })).rejects.toMatchObject({ code: "INVALID", details: { fields: { cpu: expect.stringContaining("8 or fewer") } } });
    await expect(spawnSession({ user, input: { image: "VS Code", cpu: 1, memoryGiB: 1, name: "Not_A_Label" }, kube: cluster.kube })).rejects.toThrow(/lowercase/);
    await expect(spawnSession({ user, input: { image: "nope", cpu: 1, memoryGiB: 1 }, kube: cluster.kube })).rejects.toMatchObject({ code: "INVALID" });
    await expect(spawnSession({ user, input: { image: "VS Code", profile: "mig-9g.99gb", cpu: 1, memoryGiB: 1 }, kube: cluster.kube })).rejects.toMatchObject({ code: "INVALID" });
    await spawnSession({ user, input: { image: "VS Code", cpu: 1, memoryGiB: 1 }, kube: cluster.kube });
    await spawnSession({ user, input: { image: "VS Code", cpu: 1, memoryGiB: 1 }, kube: cluster.kube });
    const before = (await podsOf()).length;
    await expect(spawnSession({ user, input: { image: "VS Code", cpu: 1, memoryGiB: 1 }, kube: cluster.kube })).rejects.toMatchObject({ code: "QUOTA_EXCEEDED", message: expect.stringContaining("stop one first") });
    expect((await podsOf()).length).toBe(before);
    for (const s of await db.session.findMany({ where: { userId: u.id, state: { notIn: ["stopped", "failed"] } } })) await stopSession({ userId: u.id, sessionId: s.id, kube: cluster.kube });
  }, 30_000);

  it("a request's caller is checked in its spawn slot: beyond SPAWN_CONCURRENCY, authentication waits its turn, and a refused caller's input is never read", async () => {
    const limit = env().SPAWN_CONCURRENCY;
    const started: number[] = [];
    const refuse: Array<() => void> = [];
    const inputRead = vi.fn();
    const calls = Array.from({ length: limit + 1 }, (_, i) =>
      spawnSession({
        authenticate: () => {
          started.push(i);
          return new Promise<never>((_, reject) => refuse.push(() => reject(new AppError("UNAUTHENTICATED", "The API token is invalid, expired or revoked."))));
        },
        readInput: inputRead,
        kube: cluster.kube,
      }),
    );
    const settled = Promise.allSettled(calls);
    await waitFor("every slot taken", () => started.length === limit || undefined);
    await new Promise((r) => setTimeout(r, 50));
    expect(started).toEqual(Array.from({ length: limit }, (_, i) => i));
    refuse[0]!();
    await waitFor("the last caller checked once a slot frees", () => started.length === limit + 1 || undefined);
    for (const r of refuse.slice(1)) r();
    const results = await settled;
    expect(results.every((r) => r.status === "rejected" && (r.reason as AppError).code === "UNAUTHENTICATED")).toBe(true);
    expect(inputRead).not.toHaveBeenCalled();

    // An accepted caller: then the input is read and validated, and the session made.
    const u = await researcher();
    const user = { id: u.id, username: u.username, groups: u.groups };
    await expect(spawnSession({ authenticate: async () => user, readInput: () => ({ image: "VS Code", cpu: 64, memoryGiB: 1 }), kube: cluster.kube })).rejects.toMatchObject({ code: "INVALID" });
    const { session, created } = await spawnSession({ authenticate: async () => user, readInput: () => ({ image: "VS Code", cpu: 1, memoryGiB: 1 }), kube: cluster.kube });
    expect(created).toBe(true);
    expect((await db.session.findUniqueOrThrow({ where: { id: session.id } })).userId).toBe(u.id);
    await stopSession({ userId: u.id, sessionId: session.id, kube: cluster.kube });
  }, 30_000);

  it("the spawn statement keeps the limits under concurrent requests, names sessions, refuses a taken name and the GPU limit, and checks a budgeted group's GPU spawn", async () => {
    const u = await researcher();
    const user = { id: u.id, username: u.username, groups: u.groups };
    const cpuOnly = { image: "VS Code", cpu: 1, memoryGiB: 1 };
    const spawn = (input: Record<string, unknown>, who = user) => spawnSession({ user: who, input, kube: cluster.kube });
    const stopAll = async (userId: string) => {
      for (const s of await db.session.findMany({ where: { userId, state: { notIn: ["stopped", "failed"] } } })) await stopSession({ userId, sessionId: s.id, kube: cluster.kube });
      for (const s of await db.session.findMany({ where: { userId } })) await waitState(s.id, (await state(s.id)) === "failed" ? "failed" : "stopped");
    };

    // Five at once against the limit of three: three sessions with the first three names, two refusals that say why.
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => spawn(cpuOnly)));
    const made = results.flatMap((r) => (r.status === "fulfilled" ? [r.value.session] : []));
    expect(made.map((s) => s.name).sort()).toEqual(["session-1", "session-2", "session-3"]);
    const refused = results.flatMap((r) => (r.status === "rejected" ? [r.reason as AppError] : []));
    expect(refused).toHaveLength(2);
    for (const e of refused) expect(e).toMatchObject({ code: "QUOTA_EXCEEDED", message: expect.stringContaining("You already have 3 sessions running or starting (limit 3)") });
    expect(await db.session.count({ where: { userId: u.id } })).toBe(3);

    // A stopped session's name is free again; an active one's is not.
    const second = made.find((s) => s.name === "session-2")!;
    await stopSession({ userId: u.id, sessionId: second.id, kube: cluster.kube });
    await waitState(second.id, "stopped");
    await expect(spawn({ ...cpuOnly, name: "session-3" })).rejects.toMatchObject({ code: "CONFLICT", details: { fields: { name: expect.stringContaining("already have a session named session-3") } } });
    expect((await spawn(cpuOnly)).session.name).toBe("session-2");
    await stopAll(u.id);

    // A group with a budget: a GPU spawn charged to it is checked against the budget, and a refusal leaves nothing behind.
    const budgetGroup = `budget-${uniqueSuffix()}`;
    const v = await seedUser({ groups: ["users/ai-infn", budgetGroup] });
    const vUser = { id: v.id, username: v.username, groups: v.groups };
    const gpu = { ...cpuOnly, profile: "mig-1g.10gb", chargeGroup: budgetGroup };
    await db.budget.create({ data: { group: budgetGroup, profileKey: "*", monthlyGpuHours: 0, createdBy: "test" } });
    await expect(spawn(gpu, vUser)).rejects.toMatchObject({ code: "QUOTA_EXCEEDED", details: { fields: { chargeGroup: expect.stringContaining(`group ${budgetGroup} has used 0 of 0`) } } });
    expect(await db.session.count({ where: { userId: v.id } })).toBe(0);
    expect(await db.usageCharge.count({ where: { groupCharged: budgetGroup } })).toBe(0);
    expect((await podsOf()).some((p) => p.metadata!.labels?.[USER_ID_LABEL] === v.id)).toBe(false);
    await db.budget.updateMany({ where: { group: budgetGroup }, data: { monthlyGpuHours: 1000 } });
    const a = (await spawn(gpu, vUser)).session;
    expect((await db.usageCharge.findFirstOrThrow({ where: { sourceId: a.id } })).groupCharged).toBe(budgetGroup);
    // The GPU limit (two per user) comes before the budget: the third GPU session is refused by it.
    await spawn(gpu, vUser);
    await expect(spawn(gpu, vUser)).rejects.toMatchObject({ code: "QUOTA_EXCEEDED", details: { fields: { profile: expect.stringContaining("already hold 2 of your 2 GPUs") } } });
    // A CPU-only session of the same group is neither limited by GPUs nor checked against the budget.
    expect((await spawn({ ...cpuOnly, chargeGroup: budgetGroup }, vUser)).created).toBe(true);
    await stopAll(v.id);
  }, 90_000);

  it("a Kubernetes failure mid-spawn leaves a failed session with the reason and no objects", async () => {
    const u = await researcher();
    // Clients pointed at a port where nothing listens: every call fails like an unreachable API server.
    const broken = makeBrokenClients(cluster.kubeconfigPath, ns);
    const err = await spawnSession({ user: { id: u.id, username: u.username, groups: u.groups }, input: { image: "VS Code", cpu: 1, memoryGiB: 1 }, kube: broken }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "UPSTREAM_UNAVAILABLE" });
    const row = await db.session.findFirstOrThrow({ where: { userId: u.id } });
    expect(row.state).toBe("failed");
    expect(row.reason).toMatch(/could not be reached|did not answer/);
    expect((await podsOf()).some((p) => p.metadata!.name === row.podName)).toBe(false);
  }, 30_000);
});

function makeBrokenClients(kubeconfigPath: string, namespace: string) {
  const path = `${kubeconfigPath}.broken`;
  // A copy of the kubeconfig whose server is a closed port on loopback.
  const text = readFileSync(kubeconfigPath, "utf8").replace(/server: .*/, "server: http://127.0.0.1:9");
  writeFileSync(path, text);
  return makeKubeClients({ kubeconfigPath: path, namespace, requestTimeoutMs: 500 });
}
