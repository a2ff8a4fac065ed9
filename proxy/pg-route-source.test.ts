import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { postgresConfig } from "@/lib/db/postgres-config";
import { parseRouteChange, PgRouteSource } from "./pg-route-source";
import { RouteTable, type Route } from "./route-table";

// A throw-away table standing in for the sessions table, and a channel of its own.
const suffix = randomBytes(4).toString("hex");
const TABLE = `proxy_test_routes_${suffix}`;
const CHANNEL = `ai_hub_routes_test_${suffix}`;
const APP = `ai-hub-proxy-routes-${suffix}`;

let admin: pg.Client;
const table = new RouteTable();
let source: PgRouteSource;

const r = (name: string, port: number, state: Route["state"] = "ready"): Route => ({
  username: "alice",
  sessionName: name,
  sessionId: `id-${name}`,
  ownerId: "alice-id",
  target: { host: "10.0.0.1", port },
  token: `t-${name}`,
  state,
});

async function insert(route: Route, notify: boolean): Promise<void> {
  await admin.query(`INSERT INTO ${TABLE} (username, session_name, body) VALUES ($1, $2, $3)`, [route.username, route.sessionName, JSON.stringify(route)]);
  if (notify) await admin.query("SELECT pg_notify($1, $2)", [CHANNEL, JSON.stringify({ op: "upsert", route })]);
}

beforeAll(async () => {
  const url = inject("databaseUrl");
  admin = new pg.Client(postgresConfig(url));
  await admin.connect();
  await admin.query(`CREATE TABLE ${TABLE} (username text, session_name text, body jsonb, PRIMARY KEY (username, session_name))`);
  await insert(r("first", 8001), false);
  source = new PgRouteSource({
    connection: postgresConfig(url, { application_name: APP }),
    channel: CHANNEL,
    reconnectMinMs: 50,
    loadAllRoutes: async (client) => (await client.query<{ body: Route }>(`SELECT body FROM ${TABLE}`)).rows.map((row) => row.body),
  });
  await source.start(table);
});

afterAll(async () => {
  await source?.stop();
  await admin?.query(`DROP TABLE IF EXISTS ${TABLE}`);
  await admin?.end();
});

describe("PgRouteSource", () => {
  it("loads every route at start", () => {
    expect(table.get("alice", "first")?.target.port).toBe(8001);
  });

  it("applies upserts and deletes from NOTIFY", async () => {
    await insert(r("second", 8002), true);
    await expect.poll(() => table.get("alice", "second")?.target.port).toBe(8002);
    await admin.query("SELECT pg_notify($1, $2)", [CHANNEL, JSON.stringify({ op: "upsert", route: r("second", 8002, "stopped") })]);
    await expect.poll(() => table.get("alice", "second")?.state).toBe("stopped");
    await admin.query("SELECT pg_notify($1, $2)", [CHANNEL, JSON.stringify({ op: "delete", route: { username: "alice", sessionName: "second" } })]);
    await expect.poll(() => table.get("alice", "second")).toBeUndefined();
  });

  it("ignores malformed payloads and keeps listening", async () => {
    await admin.query("SELECT pg_notify($1, $2)", [CHANNEL, '{"op":"upsert","route":{"username":"x"}}']);
    await admin.query("SELECT pg_notify($1, $2)", [CHANNEL, "not json"]);
    await insert(r("third", 8003), true);
    await expect.poll(() => table.get("alice", "third")?.target.port).toBe(8003);
    expect(table.size).toBe(2);
  });

  it("rebuilds the whole table after its connection is killed", async () => {
    const rebuilds = source.rebuilds;
    const killed = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", [APP]);
    expect(killed.rowCount).toBe(1);
    // Changed while the proxy was not listening: only a full rebuild can see it.
    await insert(r("while-away", 8004), false);
    await admin.query(`DELETE FROM ${TABLE} WHERE session_name = 'first'`);
    await expect.poll(() => source.rebuilds, { timeout: 10_000 }).toBeGreaterThan(rebuilds);
    await expect.poll(() => table.get("alice", "while-away")?.target.port).toBe(8004);
    expect(table.get("alice", "first")).toBeUndefined();
    // And it listens again.
    await insert(r("after", 8005), true);
    await expect.poll(() => table.get("alice", "after")?.target.port).toBe(8005);
  });
});

describe("parseRouteChange", () => {
  it("accepts well-formed changes only", () => {
    expect(parseRouteChange(JSON.stringify({ op: "upsert", route: r("a", 1) }))).toEqual({ op: "upsert", route: r("a", 1) });
    expect(parseRouteChange(JSON.stringify({ op: "delete", route: { username: "a", sessionName: "b" } }))?.op).toBe("delete");
    for (const bad of ["", "{}", '{"op":"drop"}', JSON.stringify({ op: "upsert", route: { ...r("a", 1), target: { host: "h", port: 70000 } } })]) {
      expect(parseRouteChange(bad)).toBeNull();
    }
  });
});
