/**
 * The load generator process of bench/api-load.ts. It speaks to its parent over IPC: "ready" once
 * loaded; on "go" it runs the job's POSTs and starts the poller, and answers "posts" when every POST
 * is answered; on "stop" it ends the poller and answers "polls", then exits.
 */
import http from "node:http";
import type { LoadJob, PostResult } from "./api-load";

/**
 * One request with node:http, the whole body read as text. Not fetch: undici's fetch cost this
 * process about 3 ms of CPU per request (466 ms in a 100-spawn burst), CPU taken from the stack
 * being measured on a 2-core machine; a load generator should cost as little as it can (as wrk or
 * autocannon do). Keep-alive, as browsers and fetch have it; one connection per request in flight.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

function request(url: string, opts: { method: string; token: string; body?: string }): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = { authorization: `Bearer ${opts.token}` };
    if (opts.body !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-length"] = Buffer.byteLength(opts.body);
    }
    const req = http.request(url, { method: opts.method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

let polling = true;
let poller: Promise<{ ms: number[]; inBurst: number[] }> | undefined;
/** Set when every POST has been answered: GETs sent before it were sent during the burst. */
let burstEnd = Number.POSITIVE_INFINITY;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Open loop: the i-th GET leaves at start + i / pollPerSecond whether or not the earlier ones have
 * been answered, as the pages of users who each refresh every few seconds do. A closed loop (send,
 * wait, send again) sends fewer GETs exactly while the server is slow, so its p99 hides the slow
 * moments (coordinated omission), and the load it adds grows as the server gets faster.
 */
async function poll(job: LoadJob): Promise<{ ms: number[]; inBurst: number[] }> {
  const ms: number[] = [];
  const inBurst: number[] = [];
  const interval = 1000 / job.pollPerSecond;
  const inFlight = new Set<Promise<void>>();
  const start = performance.now();
  for (let i = 0; polling; i++) {
    const wait = start + i * interval - performance.now();
    if (wait > 0) await sleep(wait);
    if (!polling) break;
    const t = performance.now();
    const done: Promise<void> = request(job.pollUrl, { method: "GET", token: job.pollTokens[i % job.pollTokens.length]! }).then(({ status }) => {
      if (status !== 200) throw new Error(`GET ${job.pollUrl}: HTTP ${status}`);
      const d = performance.now() - t;
      ms.push(d);
      if (t < burstEnd) inBurst.push(d);
      inFlight.delete(done);
    });
    inFlight.add(done);
  }
  await Promise.all(inFlight);
  return { ms, inBurst };
}

async function run(job: LoadJob): Promise<void> {
  const cpu0 = process.cpuUsage();
  poller = poll(job);
  const results: PostResult[] = new Array(job.posts.length);
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(job.concurrency, job.posts.length) }, async () => {
      for (let i = next++; i < job.posts.length; i = next++) {
        const p = job.posts[i]!;
        const t = performance.now();
        const r = await request(p.url, { method: "POST", token: p.token, body: JSON.stringify(p.body) });
        results[i] = { ms: performance.now() - t, status: r.status, ...(r.status >= 300 ? { error: r.text.slice(0, 300) } : {}) };
      }
    }),
  );
  burstEnd = performance.now();
  const cpu = process.cpuUsage(cpu0);
  process.send!({ kind: "posts", results, burstMs: burstEnd - t0, cpuMs: (cpu.user + cpu.system) / 1000 });
}

process.on("message", (m: { kind: "go"; job: LoadJob } | { kind: "stop" }) => {
  if (m.kind === "go") void run(m.job);
  else {
    polling = false;
    void (poller ?? Promise.resolve({ ms: [], inBurst: [] })).then(({ ms, inBurst }) => process.send!({ kind: "polls", ms, inBurst }, () => process.exit(0)));
  }
});
// The bench process is gone (finished or crashed): nothing left to measure.
process.on("disconnect", () => process.exit(0));
process.send!({ kind: "ready" });
