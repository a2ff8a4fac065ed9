/**
 * The load generator process of bench/api-load.ts. It speaks to its parent over IPC: "ready" once
 * loaded; on "go" it runs the job's POSTs and starts the poller, and answers "posts" when every POST
 * is answered; on "stop" it ends the poller and answers "polls", then exits.
 */
import type { LoadJob, PostResult } from "./api-load";

let polling = true;
let poller: Promise<{ ms: number[]; inBurst: number[] }> | undefined;
/** Set when every POST has been answered: GETs sent before it were sent during the burst. */
let burstEnd = Number.POSITIVE_INFINITY;

async function poll(job: LoadJob): Promise<{ ms: number[]; inBurst: number[] }> {
  const ms: number[] = [];
  const inBurst: number[] = [];
  for (let i = 0; polling; i++) {
    const t = performance.now();
    const r = await fetch(job.pollUrl, { headers: { authorization: `Bearer ${job.pollTokens[i % job.pollTokens.length]}` } });
    await r.arrayBuffer();
    ms.push(performance.now() - t);
    if (t < burstEnd) inBurst.push(performance.now() - t);
  }
  return { ms, inBurst };
}

async function run(job: LoadJob): Promise<void> {
  poller = poll(job);
  const results: PostResult[] = new Array(job.posts.length);
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(job.concurrency, job.posts.length) }, async () => {
      for (let i = next++; i < job.posts.length; i = next++) {
        const p = job.posts[i]!;
        const t = performance.now();
        const r = await fetch(p.url, { method: "POST", headers: { authorization: `Bearer ${p.token}`, "content-type": "application/json" }, body: JSON.stringify(p.body) });
        const text = await r.text();
        results[i] = { ms: performance.now() - t, status: r.status, ...(r.status >= 300 ? { error: text.slice(0, 300) } : {}) };
      }
    }),
  );
  burstEnd = performance.now();
  process.send!({ kind: "posts", results, burstMs: burstEnd - t0 });
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
