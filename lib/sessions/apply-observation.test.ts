import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedUser, testDatabaseUrl, testPrisma } from "@/test/db";
import { applyObservation } from "@/lib/sessions/apply-observation";
import { ROUTES_CHANNEL, type RouteMessage } from "@/lib/sessions/routes";
import type { Observation } from "@/lib/sessions/progress";

// The controller's one write per observation, against the real database: what it changes, which
// events it adds, what it refuses to change, and what it tells the proxy (LISTEN on the channel).

const db = testPrisma();
const listener = new pg.Client({ connectionString: testDatabaseUrl() });
const heard: RouteMessage[] = [];

beforeAll(async () => {
  await listener.connect();
  listener.on("notification", (n) => {
    if (n.channel === ROUTES_CHANNEL && n.payload) heard.push(JSON.parse(n.payload) as RouteMessage);
  });
  await listener.query(`LISTEN ${ROUTES_CHANNEL}`);
});
afterAll(() => listener.end());

async function session(state: "requested" | "stopping" | "failed" = "requested", kind: "jupyterlab" | "vscode" = "jupyterlab") {
  const user = await seedUser();
  const image = await db.image.findFirstOrThrow({ where: { kind } });
  const id = randomUUID();
  await db.session.create({ data: { id, userId: user.id, name: `s-${id.slice(0, 6)}`, imageId: image.id, cpu: 1, memoryGiB: 1, state, namespace: "t", podName: `p-${id}`, token: "tok" } });
  return { id, user };
}
const events = (id: string) => db.sessionEvent.findMany({ where: { sessionId: id }, orderBy: { seq: "asc" } });
const routesFor = async (id: string, n: number) => {
  await expect.poll(() => heard.filter((m) => m.route.sessionId === id).length).toBe(n);
  return heard.filter((m) => m.route.sessionId === id);
};

const queued: Observation = { state: "queued", level: "info", event: { progress: 10, message: "Waiting for free capacity." } };
const ready: Observation = { state: "ready", level: "info", node: "gpu-a100-1", podIp: "10.1.2.3", event: { progress: 100, ready: true, message: "Your session is ready.", url: "/user/x/s/" } };

describe("applyObservation", () => {
  it("writes state and progress with one event; the same observation again adds nothing", async () => {
    const { id } = await session();
    expect(await applyObservation(db, id, queued)).toBe("queued");
    const before = await db.session.findUniqueOrThrow({ where: { id } });
    expect(before).toMatchObject({ state: "queued", progress: 10, podIp: null, readyAt: null });
    expect((await events(id)).map((e) => [e.seq, e.message, e.level])).toEqual([[1, "Waiting for free capacity.", "info"]]);
    expect(await applyObservation(db, id, queued)).toBe("queued");
    expect(await events(id)).toHaveLength(1);
    expect((await db.session.findUniqueOrThrow({ where: { id } })).updatedAt).toEqual(before.updatedAt);
  });

  it("on ready: node, pod IP, readyAt and last activity set once; the proxy gets the route", async () => {
    const { id, user } = await session("requested", "vscode");
    const at = new Date("2026-12-01T10:00:00Z");
    expect(await applyObservation(db, id, ready, at)).toBe("ready");
    const s = await db.session.findUniqueOrThrow({ where: { id } });
    expect(s).toMatchObject({ state: "ready", progress: 100, node: "gpu-a100-1", podIp: "10.1.2.3", readyAt: at, lastActivityAt: at });
    const [ev] = await events(id);
    expect(ev).toMatchObject({ seq: 1, ready: true, failed: false, url: "/user/x/s/" });
    const [m] = await routesFor(id, 1);
    expect(m).toEqual({ op: "upsert", route: { username: user.username, sessionName: s.name, sessionId: id, ownerId: user.id, target: { host: "10.1.2.3", port: 8888 }, token: "tok", state: "ready", stripPrefix: true } });
    // Seen ready again later: readyAt keeps its first value, no event, no route message.
    expect(await applyObservation(db, id, ready, new Date("2026-12-01T11:00:00Z"))).toBe("ready");
    expect((await db.session.findUniqueOrThrow({ where: { id } })).readyAt).toEqual(at);
    expect(await events(id)).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 200));
    expect(heard.filter((x) => x.route.sessionId === id)).toHaveLength(1);
  });

  it("on failure: reason, stoppedAt, no pod IP; the proxy is told to delete the route", async () => {
    const { id } = await session();
    await applyObservation(db, id, ready);
    const failed: Observation = { state: "failed", level: "error", reason: "ErrImagePull", event: { progress: 100, failed: true, message: "The image could not be pulled." } };
    expect(await applyObservation(db, id, failed)).toBe("failed");
    expect(await db.session.findUniqueOrThrow({ where: { id } })).toMatchObject({ state: "failed", reason: "ErrImagePull", podIp: null, node: "gpu-a100-1" });
    expect((await db.session.findUniqueOrThrow({ where: { id } })).stoppedAt).not.toBeNull();
    expect((await events(id)).map((e) => [e.seq, e.level, e.failed])).toEqual([[1, "info", false], [2, "error", true]]);
    const ms = await routesFor(id, 2);
    expect(ms[1]).toMatchObject({ op: "delete", route: { state: "stopped", target: { host: "" } } });
  });

  it("never revives a final session, and a stopping one only moves to stopped or failed", async () => {
    const done = await session("failed");
    expect(await applyObservation(db, done.id, ready)).toBe("failed");
    expect(await db.session.findUniqueOrThrow({ where: { id: done.id } })).toMatchObject({ state: "failed", podIp: null });
    expect(await events(done.id)).toHaveLength(0);

    const stopping = await session("stopping");
    expect(await applyObservation(db, stopping.id, ready)).toBe("stopping");
    expect(await db.session.findUniqueOrThrow({ where: { id: stopping.id } })).toMatchObject({ state: "stopping", podIp: null });
    expect(await events(stopping.id)).toHaveLength(0);
    const stopped: Observation = { state: "stopped", level: "info", reason: "Stopped", event: { progress: 100, message: "Session stopped." } };
    expect(await applyObservation(db, stopping.id, stopped)).toBe("stopped");
    expect(await db.session.findUniqueOrThrow({ where: { id: stopping.id } })).toMatchObject({ state: "stopped", reason: "Stopped" });
  });

  it("returns null for a session that does not exist, and writes nothing", async () => {
    const id = randomUUID();
    expect(await applyObservation(db, id, queued)).toBeNull();
    expect(await events(id)).toHaveLength(0);
  });
});
