/**
 * `npm run bench:batch`: 500 batch-job submissions through the API, then the preemption latency of
 * the guarantee (an interactive session reclaiming GPUs that batch borrowed).
 *
 * Like bench/spawn.ts: a throw-away embedded PostgreSQL, the simulator and the controller (which
 * runs the batch jobs controller) in their own processes, and an HTTP server serving
 * POST/GET /api/v1/jobs with Bearer API tokens through the same lib functions as the Next.js route
 * handlers (verifyApiToken, submitJob, listJobs). The clients (10 submitting at a time; GETs at 50
 * a second, open loop: the 50 users' job pages each refreshing every second) run in a process of
 * their own (bench/api-load.ts). Next.js's own routing overhead is not
 * included.
 *
 * Measured in steady state: first, not counted, rounds of GETs and 2 × 10 submissions open the
 * web's database pool and take every process once through the submit path (warmUp in
 * bench/api-load.ts); a cold process's first requests pay for connections and JIT compilation.
 * Measures: API p50/p99 of POST /api/v1/jobs (request → Job created) and of GET during the burst;
 * time until every Workload exists; interactive request → batch evicted → session ready, in
 * simulator time (wall time × time scale).
 * Prints a table and, last, `api_p99_ms=<n> workloads_all_s=<n> preempt_to_ready_s=<n>`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { startLoad, warmUp } from "./api-load";
import { cpuPerRequest, cpuSnapshot, machineCheckMs, postgresPids, startControllerProcess, startSimProcess } from "./stack-processes";
import { percentile as pct } from "./stats";

const JOBS = Number(process.env.BENCH_JOBS ?? 500);
const USERS = Number(process.env.BENCH_USERS ?? 50);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 10);
const TIME_SCALE = Number(process.env.BENCH_TIME_SCALE ?? 10);
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 180_000);

const { startEmbeddedPostgres } = await import("@/lib/dev/postgres");
const { applyMigrations } = await import("@/lib/db/migrate");
const pgDir = await mkdtemp(path.join(os.tmpdir(), "ai-hub-bench-pg-"));
const pgServer = await startEmbeddedPostgres({ dataDir: pgDir, persistent: false, durable: false, database: "ai_hub_bench" });
await applyMigrations(pgServer.url);
// lib/env reads the environment once, on first use: everything below sees this database.
process.env.DATABASE_URL = pgServer.url;
process.env.LOG_LEVEL ??= "error";
process.env.DATABASE_POOL_SIZE ??= "20";
const namespace = "bench-batch";
process.env.KUBE_NAMESPACE = namespace;

const { getPrisma, disconnectPrisma } = await import("@/lib/db/prisma");
const { setupQueues, writeKubeconfig } = await import("@/lib/sessions/test-support/test-cluster");
const { makeKubeClients } = await import("@/lib/kube/client");
const { KUEUE_GROUP, KUEUE_VERSION } = await import("@/lib/kube/kueue-types");
const { spawnSession } = await import("@/lib/sessions/spawn-session");
const { submitJob } = await import("@/lib/batch/submit-job");
const { listJobs } = await import("@/lib/batch/job-view");
const { createApiToken, verifyApiToken } = await import("@/lib/tokens/api-tokens");
const { bearerToken } = await import("@/lib/tokens/token-format");
const { errorResponse } = await import("@/lib/http/api-response");

const db = getPrisma();
const simToken = `bench-${process.pid}`;
const { url: simUrl, proc: sim } = await startSimProcess({ timeScale: TIME_SCALE, token: simToken });
const kubeconfigPath = writeKubeconfig(simUrl, simToken, namespace);
const kube = makeKubeClients({ kubeconfigPath, namespace, requestTimeoutMs: 10_000 });
await setupQueues(kube, namespace);
const controller = await startControllerProcess({ KUBECONFIG: kubeconfigPath, KUBE_NAMESPACE: namespace, CONTROLLER_LOCK_NAME: `bench-batch-${process.pid}` });

const phases: Array<{ validateMs: number; dbMs: number; kubeMs: number }> = [];

async function send(res: ServerResponse, response: Response): Promise<void> {
  res.writeHead(response.status, { "content-type": "application/json" });
  res.end(await response.text());
}

const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  void (async () => {
    try {
      const token = bearerToken(req.headers.authorization);
      const caller = token ? await verifyApiToken(token) : null;
      if (!caller) return send(res, Response.json({ error: { code: "UNAUTHENTICATED" } }, { status: 401 }));
      const user = { id: caller.userId, username: caller.username, groups: caller.groups };
      if (req.method === "POST") {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        const timings = { validateMs: 0, dbMs: 0, kubeMs: 0 };
        const job = await submitJob({ user, input: JSON.parse(Buffer.concat(chunks).toString()), kube, timings });
        phases.push(timings);
        return send(res, Response.json({ job }, { status: 201 }));
      }
      return send(res, Response.json(await listJobs({ userId: user.id })));
    } catch (e) {
      return send(res, errorResponse(e));
    }
  })();
});
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/jobs`;

const users: Array<{ id: string; username: string; groups: string[]; token: string }> = [];
for (let i = 0; i < USERS; i++) {
  const u = await db.user.create({
    data: { iamIssuer: "https://bench.invalid/", iamSubject: `bench-${i}`, username: `batch${i}`, displayName: `Batch ${i}`, groups: ["users/ai-infn"], roles: ["researcher"] },
  });
  users.push({ id: u.id, username: u.username, groups: u.groups, token: (await createApiToken({ userId: u.id, input: { name: "bench", scopes: ["jobs:read", "jobs:write"] }, db })).token });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ── 1. 500 submissions, from a client process of their own (bench/api-load.ts) ──
// Short CPU-only jobs: admitted at once (the CPU quota holds them all), they run and finish.
const jobBody = (label: string) => ({ image: "VS Code", script: `echo job ${label} trial $JOB_COMPLETION_INDEX\nsleep 5`, profile: null, cpu: 0.1, memoryGiB: 0.125 });
const batchWorkloadOwners = async (): Promise<string[]> => {
  const list = (await kube.custom.listNamespacedCustomObject({ group: KUEUE_GROUP, version: KUEUE_VERSION, namespace, plural: "workloads" })) as { items: Array<{ metadata: { ownerReferences?: Array<{ kind: string; name: string }> } }> };
  return list.items.flatMap((w) => w.metadata.ownerReferences?.filter((o) => o.kind === "Job" && o.name.startsWith("batch-")).map((o) => o.name) ?? []);
};
// Steady state, not start-up (bench/api-load.ts): GETs open the pool, 2 × CONCURRENCY submissions
// (not counted) take the submit path through the web, the simulator and the controller once.
const WARM_JOBS = 2 * CONCURRENCY;
await warmUp({ url: base, tokens: users.map((u) => u.token), concurrency: CONCURRENCY, posts: Array.from({ length: WARM_JOBS }, (_, i) => ({ token: users[i % USERS]!.token, body: jobBody(`warm-up ${i}`) })) });
const warmDeadline = Date.now() + TIMEOUT_MS;
while ((await batchWorkloadOwners()).length < WARM_JOBS && Date.now() < warmDeadline) await sleep(100);
const warmOwners = new Set(await batchWorkloadOwners());
await sleep(1000);
const load = await startLoad({
  posts: Array.from({ length: JOBS }, (_, i) => ({
    url: base,
    token: users[i % USERS]!.token,
    body: jobBody(String(i)),
  })),
  concurrency: CONCURRENCY,
  pollUrl: base,
  pollTokens: users.map((u) => u.token),
  // The 50 users' job pages, each refreshing every second.
  pollPerSecond: 50,
});
const cpuGroups = { sim: () => [sim.pid!], controller: () => [controller.pid!], postgres: () => postgresPids(path.join(pgDir, "pgdata")) };
const machineMs = machineCheckMs();
const cpu0 = cpuSnapshot(cpuGroups);
const t0 = performance.now();
const run = load.go();
const { results, burstMs, cpuMs: loadCpuMs } = await run.posts;
const cpuBurst = cpuPerRequest(cpu0, cpuSnapshot(cpuGroups), JOBS);
const getMs = (await run.stopPolling()).all;
const postMs = results.map((r) => r.ms);
const failed = results.filter((r) => r.status !== 201);
const failures = failed.length;
for (const f of failed.slice(0, 3)) process.stderr.write(`submit failed: HTTP ${f.status} ${f.error ?? ""}\n`);

let workloads = 0;
const wlDeadline = Date.now() + TIMEOUT_MS;
while (Date.now() < wlDeadline) {
  // The measured submissions' Workloads (a warm-up job's may already be gone after it finished).
  workloads = (await batchWorkloadOwners()).filter((o) => !warmOwners.has(o)).length;
  if (workloads >= JOBS - failures) break;
  await sleep(200);
}
const workloadsAllS = (performance.now() - t0) / 1000;
const allWorkloads = workloads >= JOBS - failures;

// Let the burst drain so it does not disturb the preemption measurement.
const drainDeadline = Date.now() + TIMEOUT_MS;
while (Date.now() < drainDeadline && (await db.batchJob.count({ where: { state: { in: ["submitted", "queued", "admitted", "running"] } } })) > 0) await sleep(500);

// ── 2. Preemption: batch fills every mig-1g.10gb slice, then a session asks for one ──
const owner = users[0]!;
const filler = await submitJob({ user: owner, input: { image: "VS Code", script: "sleep 3600", profile: "mig-1g.10gb", trials: 16, cpu: 0.25, memoryGiB: 0.5 }, kube });
const waitState = async (pred: () => Promise<boolean>, what: string) => {
  const deadline = Date.now() + TIMEOUT_MS;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
  return performance.now();
};
await waitState(async () => (await db.batchJob.findUniqueOrThrow({ where: { id: filler.id } })).state === "running", "the filler to run");
const tReq = performance.now();
const { session } = await spawnSession({ user: users[1]!, input: { image: "VS Code", profile: "mig-1g.10gb", cpu: 1, memoryGiB: 1, name: "urgent" }, kube });
const evictedP = waitState(async () => ["preempted", "queued"].includes((await db.batchJob.findUniqueOrThrow({ where: { id: filler.id } })).state), "batch evicted");
const readyP = waitState(async () => (await db.session.findUniqueOrThrow({ where: { id: session.id } })).state === "ready", "session ready");
const [tEvicted, tReady] = await Promise.all([evictedP, readyP]);
const evictS = ((tEvicted - tReq) / 1000) * TIME_SCALE;
const readyS = ((tReady - tReq) / 1000) * TIME_SCALE;

const rows = [
  ["machine check before the burst (ms, fixed task; lower = faster)", machineMs.toFixed(0)],
  ["submissions", String(JOBS)],
  ["submit failures", String(failures)],
  ["POST /api/v1/jobs p50 (ms)", pct(postMs, 50).toFixed(0)],
  ["POST /api/v1/jobs p99 (ms)", pct(postMs, 99).toFixed(0)],
  ["  of which: validation and catalogue reads p50/p99 (ms)", `${pct(phases.map((p) => p.validateMs), 50).toFixed(0)} / ${pct(phases.map((p) => p.validateMs), 99).toFixed(0)}`],
  ["  of which: row insert p50/p99 (ms)", `${pct(phases.map((p) => p.dbMs), 50).toFixed(0)} / ${pct(phases.map((p) => p.dbMs), 99).toFixed(0)}`],
  ["  of which: Job create in the cluster p50/p99 (ms)", `${pct(phases.map((p) => p.kubeMs), 50).toFixed(0)} / ${pct(phases.map((p) => p.kubeMs), 99).toFixed(0)}`],
  ["GET /api/v1/jobs during burst: requests", String(getMs.length)],
  ["GET /api/v1/jobs p99 (ms)", pct(getMs, 99).toFixed(0)],
  ["burst duration (ms)", burstMs.toFixed(0)],
  ["CPU per submission during the burst (ms)", `${cpuBurst}; load generator ${(loadCpuMs / JOBS).toFixed(1)}`],
  ["Workloads created", `${workloads}/${JOBS}`],
  ["time until every Workload exists (s, wall)", allWorkloads ? workloadsAllS.toFixed(1) : "not all"],
  [`interactive request → batch evicted (s, sim time ×${TIME_SCALE})`, evictS.toFixed(1)],
  [`interactive request → session ready (s, sim time ×${TIME_SCALE})`, readyS.toFixed(1)],
];
const w = Math.max(...rows.map((r) => r[0]!.length));
for (const [k, v] of rows) process.stdout.write(`${k!.padEnd(w)}  ${v}\n`);

controller.kill("SIGTERM");
await new Promise((r) => controller.once("exit", r));
server.close();
sim.kill("SIGTERM");
await disconnectPrisma();
await pgServer.stop();
const apiP99 = Math.max(pct(postMs, 99), pct(getMs, 99));
process.stdout.write(`api_p99_ms=${apiP99.toFixed(0)} workloads_all_s=${allWorkloads ? workloadsAllS.toFixed(1) : "NaN"} preempt_to_ready_s=${readyS.toFixed(1)}\n`);
process.exit(0);
