/**
 * `npm run bench:spawn`: 100 users request a session at once against the cluster simulator.
 *
 * Starts a throw-away PostgreSQL (embedded, migrated), the simulator with AI Hub's Kueue queues,
 * the session controller (each in its own process), and an HTTP server that serves POST/GET /api/v1/sessions with Bearer
 * API tokens by calling the same lib functions as the Next.js route handlers (spawnSession,
 * listSessions, verifyApiToken). The 100 clients and the GET poller run in a process of their own
 * (bench/api-load.ts). Measured at the clients: request → Pod created (the POST returns after the
 * pod exists), time until every session is ready, and GET /api/v1/sessions latency during the
 * burst (50 GETs a second, open loop: the 100 users' session pages each refreshing every two
 * seconds; api_p99_ms counts the GETs sent while POSTs were in flight, the table also those until
 * every session is ready). Next.js's own routing overhead is not included. Also printed:
 * where a spawn's time went, CPU per spawn of each process of the stack, and how busy the web's
 * one JavaScript thread was during the burst (near 100 %: that thread is the bottleneck).
 *
 * Measured in steady state: first, not counted, 20 other users' spawns (and rounds of GETs) open
 * the web's database pool and take every process once through the spawn path (warmUp in
 * bench/api-load.ts); the burst starts when their sessions are ready.
 *
 * Prints a table and, last, `spawn_p99_ms=<n> api_p99_ms=<n> all_ready=<true|false>`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { performance as nodePerformance } from "node:perf_hooks";
import { startLoad, warmUp } from "./api-load";
import { cpuPerRequest, cpuSnapshot, machineCheckMs, postgresPids, startControllerProcess, startSimProcess } from "./stack-processes";
import { percentile as pct } from "./stats";

const USERS = Number(process.env.BENCH_USERS ?? 100);
const TIME_SCALE = Number(process.env.BENCH_TIME_SCALE ?? 10);
const READY_TIMEOUT_MS = Number(process.env.BENCH_READY_TIMEOUT_MS ?? 180_000);

const { startEmbeddedPostgres } = await import("@/lib/dev/postgres");
const { applyMigrations } = await import("@/lib/db/migrate");
const pgDir = await mkdtemp(path.join(os.tmpdir(), "ai-hub-bench-pg-"));
const pgServer = await startEmbeddedPostgres({ dataDir: pgDir, persistent: false, durable: false, database: "ai_hub_bench" });
await applyMigrations(pgServer.url);
// lib/env reads the environment once, on first use: everything below sees this database.
process.env.DATABASE_URL = pgServer.url;
process.env.LOG_LEVEL ??= "error";
process.env.DATABASE_POOL_SIZE ??= "20";
const namespace = "bench";
process.env.KUBE_NAMESPACE = namespace;

const { getPrisma, disconnectPrisma } = await import("@/lib/db/prisma");
const { setupQueues, writeKubeconfig } = await import("@/lib/sessions/test-support/test-cluster");
const { makeKubeClients } = await import("@/lib/kube/client");
const { spawnSession } = await import("@/lib/sessions/spawn-session");
const { listSessions } = await import("@/lib/sessions/list-sessions");
const { createApiToken, verifyApiToken } = await import("@/lib/tokens/api-tokens");
const { bearerToken } = await import("@/lib/tokens/token-format");
const { errorResponse } = await import("@/lib/http/api-response");
const { AppError } = await import("@/lib/errors/app-error");

const db = getPrisma();
// The simulator runs as its own process, as in `npm run dev`, so it does not share our event loop.
const simToken = `bench-${process.pid}`;
const { url: simUrl, proc: sim } = await startSimProcess({ timeScale: TIME_SCALE, token: simToken });
const cluster = { kube: makeKubeClients({ kubeconfigPath: writeKubeconfig(simUrl, simToken, namespace), namespace, requestTimeoutMs: 10_000 }) };

await setupQueues(cluster.kube, namespace);
// The controller is its own process too, as in production.
const kubeconfigPath = writeKubeconfig(simUrl, simToken, namespace);
const controller = await startControllerProcess({ KUBECONFIG: kubeconfigPath, KUBE_NAMESPACE: namespace, CONTROLLER_LOCK_NAME: `bench-${process.pid}` });

async function send(res: ServerResponse, response: Response): Promise<void> {
  res.writeHead(response.status, { "content-type": "application/json" });
  res.end(await response.text());
}

const served = { gets: 0 };
const phases: Array<{ authMs: number; catalogueMs: number; insertMs: number; kubeMs: number }> = [];
/** Where each GET's time went in this process, and when it arrived (performance.now()). */
const getPhases: Array<{ at: number; authMs: number; listMs: number }> = [];

const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  void (async () => {
    try {
      const received = performance.now();
      const authenticate = async () => {
        const token = bearerToken(req.headers.authorization);
        const caller = token ? await verifyApiToken(token) : null;
        if (!caller) throw new AppError("UNAUTHENTICATED", "The API token is invalid, expired or revoked.");
        return { id: caller.userId, username: caller.username, groups: caller.groups };
      };
      if (req.method === "POST") {
        // As app/api/v1/sessions/route.ts: the body is read, then the caller checked and the body
        // parsed when the spawn's turn in the queue comes. authMs: arrival → caller known.
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        const text = Buffer.concat(chunks).toString();
        const timings = { catalogueMs: 0, insertMs: 0, kubeMs: 0 };
        let authMs = 0;
        const { session, created } = await spawnSession({
          authenticate: async () => {
            const user = await authenticate();
            authMs = performance.now() - received;
            return user;
          },
          readInput: () => JSON.parse(text),
          kube: cluster.kube,
          timings,
        });
        phases.push({ authMs, ...timings });
        return send(res, Response.json({ session }, { status: created ? 201 : 200 }));
      }
      const user = await authenticate();
      const authMs = performance.now() - received;
      served.gets++;
      const sessions = await listSessions({ userId: user.id });
      getPhases.push({ at: received, authMs, listMs: performance.now() - received - authMs });
      return send(res, Response.json({ sessions }));
    } catch (e) {
      return send(res, errorResponse(e));
    }
  })();
});
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/sessions`;

// The measured users, and WARM others whose sessions warm the stack up first (not counted).
const WARM = Number(process.env.DATABASE_POOL_SIZE);
const tokens: string[] = [];
const userIds: string[] = [];
const warmTokens: string[] = [];
for (let i = 0; i < USERS + WARM; i++) {
  const warm = i >= USERS;
  const u = await db.user.create({
    data: { iamIssuer: "https://bench.invalid/", iamSubject: `bench-${i}`, username: warm ? `warm${i - USERS}` : `bench${i}`, displayName: `Bench ${i}`, groups: ["users/ai-infn"], roles: ["researcher"] },
  });
  const { token } = await createApiToken({ userId: u.id, input: { name: "bench", scopes: ["sessions:read", "sessions:write"] }, db });
  if (warm) warmTokens.push(token);
  else {
    tokens.push(token);
    userIds.push(u.id);
  }
}


// The clients run in their own process (bench/api-load.ts), as users' browsers do.
// Steady state, not start-up (bench/api-load.ts): GETs open the pool, WARM spawns take the spawn
// path through the web, the simulator and the controller once; the burst starts when they are ready.
const sessionBody = { image: "VS Code", cpu: 1, memoryGiB: 1 };
await warmUp({ url: base, tokens: warmTokens, concurrency: WARM, posts: warmTokens.map((token) => ({ token, body: sessionBody })) });
const warmDeadline = Date.now() + READY_TIMEOUT_MS;
while ((await db.session.count({ where: { namespace, state: "ready", userId: { notIn: userIds } } })) < WARM && Date.now() < warmDeadline) await new Promise((r) => setTimeout(r, 100));
await new Promise((r) => setTimeout(r, 1000));
const load = await startLoad({
  posts: tokens.map((token) => ({ url: base, token, body: sessionBody })),
  concurrency: USERS,
  pollUrl: base,
  pollTokens: tokens,
  // The 100 users' session pages, each refreshing every two seconds.
  pollPerSecond: 50,
});
const cpuGroups = { sim: () => [sim.pid!], controller: () => [controller.pid!], postgres: () => postgresPids(path.join(pgDir, "pgdata")) };
const machineMs = machineCheckMs();
const cpu0 = cpuSnapshot(cpuGroups);
const elu0 = nodePerformance.eventLoopUtilization();
const gets0 = served.gets;
const t0 = performance.now();
const run = load.go();
const { results, burstMs, cpuMs: loadCpuMs } = await run.posts;
const spawnMs = results.map((r) => r.ms);
const failed = results.filter((r) => r.status !== 201);
const failures = failed.length;
for (const f of failed.slice(0, 3)) process.stderr.write(`spawn failed: HTTP ${f.status} ${f.error ?? ""}\n`);
const cpuBurst = cpuPerRequest(cpu0, cpuSnapshot(cpuGroups), USERS);
// How busy the web's one JavaScript thread was during the burst (1: it was the bottleneck).
const webElu = nodePerformance.eventLoopUtilization(elu0).utilization;
const getsInBurst = served.gets - gets0;

let ready = 0;
const deadline = Date.now() + READY_TIMEOUT_MS;
while (Date.now() < deadline) {
  ready = await db.session.count({ where: { namespace, state: "ready", userId: { in: userIds } } });
  if (ready >= USERS - failures) break;
  await new Promise((r) => setTimeout(r, 250));
}
const allReadyMs = performance.now() - t0;
const cpuAll = cpuPerRequest(cpu0, cpuSnapshot(cpuGroups), USERS);
const { all: apiAllMs, inBurst: apiMs } = await run.stopPolling();
const allReady = failures === 0 && ready === USERS;

const rows = [
  ["machine check before the burst (ms, fixed task; lower = faster)", machineMs.toFixed(0)],
  ["users", String(USERS)],
  ["spawn failures", String(failures)],
  ["request → Pod created p50 (ms)", pct(spawnMs, 50).toFixed(0)],
  ["request → Pod created p99 (ms)", pct(spawnMs, 99).toFixed(0)],
  ...(["authMs", "catalogueMs", "insertMs", "kubeMs"] as const).map((k) => [
    `  of which: ${{ authMs: "waiting for a spawn slot, then the token check", catalogueMs: "catalogue reads", insertMs: "limits check and session insert", kubeMs: "home volume and Pod create" }[k]} p50/p99 (ms)`,
    `${pct(phases.map((p) => p[k]), 50).toFixed(0)} / ${pct(phases.map((p) => p[k]), 99).toFixed(0)}`,
  ]),
  ["burst duration (ms)", burstMs.toFixed(0)],
  ["CPU per spawn during the burst (ms)", `${cpuBurst} (web also served ${getsInBurst} GETs); load generator ${(loadCpuMs / USERS).toFixed(1)}`],
  ["web event loop busy during the burst (%)", (webElu * 100).toFixed(0)],
  ["CPU per spawn until all ready (ms)", cpuAll],
  ["sessions ready", `${ready}/${USERS}`],
  [`time until all ready (ms, sim time scale ${TIME_SCALE})`, allReady ? allReadyMs.toFixed(0) : "not all ready"],
  ["GET /api/v1/sessions during the burst: requests", String(apiMs.length)],
  ["GET /api/v1/sessions during the burst p50 (ms)", pct(apiMs, 50).toFixed(0)],
  ["GET /api/v1/sessions during the burst p99 (ms)", pct(apiMs, 99).toFixed(0)],
  ...(["authMs", "listMs"] as const).map((k) => {
    const inBurst = getPhases.filter((g) => g.at >= t0 && g.at <= t0 + burstMs).map((g) => g[k]);
    return [`  of which: ${{ authMs: "token check", listMs: "sessions read" }[k]} p50/p99 (ms)`, `${pct(inBurst, 50).toFixed(0)} / ${pct(inBurst, 99).toFixed(0)}`];
  }),
  ["GET /api/v1/sessions until all ready: requests / p99 (ms)", `${apiAllMs.length} / ${pct(apiAllMs, 99).toFixed(0)}`],
];
const w = Math.max(...rows.map((r) => r[0]!.length));
for (const [k, v] of rows) process.stdout.write(`${k!.padEnd(w)}  ${v}\n`);

controller.kill("SIGTERM");
await new Promise((r) => controller.once("exit", r));
server.close();
sim.kill("SIGTERM");
await disconnectPrisma();
await pgServer.stop();
process.stdout.write(`spawn_p99_ms=${pct(spawnMs, 99).toFixed(0)} api_p99_ms=${pct(apiMs, 99).toFixed(0)} all_ready=${allReady}\n`);
process.exit(0);
