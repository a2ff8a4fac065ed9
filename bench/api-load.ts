/**
 * Load generator for bench/spawn.ts and bench/batch.ts, run as its own process (bench/api-load-client.ts)
 * so that the clients never share an event loop with the API server they measure (users' browsers
 * and scripts are not inside the portal either). It does share this machine's two cores, so it is
 * kept light (node:http; fetch cost about four times the CPU per request) and its CPU time is reported.
 *
 * One job: POST every body (at most `concurrency` in flight, `concurrency` = posts.length for "all at
 * once"), while a poller GETs `pollUrl` at `pollPerSecond` (open loop: at that rate whatever the
 * answers take), round-robin over `pollTokens`, until the parent says stop. Latencies are measured
 * here, from when a request is sent until its whole response is read.
 */
import { fork } from "node:child_process";

export interface LoadJob {
  posts: Array<{ url: string; token: string; body: unknown }>;
  concurrency: number;
  pollUrl: string;
  pollTokens: string[];
  /** GETs per second, sent on schedule whether or not earlier ones are answered. */
  pollPerSecond: number;
}

export interface PostResult {
  ms: number;
  status: number;
  /** The first 300 characters of the body of a failed request. */
  error?: string;
}

export interface LoadRun {
  /** Resolves when every POST has been answered. */
  /** `cpuMs`: the load generator's own CPU time over the burst (on this machine it competes with the stack). */
  posts: Promise<{ results: PostResult[]; burstMs: number; cpuMs: number }>;
  /** Stops the poller; resolves with its latencies: all, and those of GETs sent while POSTs were in flight. */
  stopPolling(): Promise<{ all: number[]; inBurst: number[] }>;
}

type ChildMessage = { kind: "ready" } | { kind: "posts"; results: PostResult[]; burstMs: number; cpuMs: number } | { kind: "polls"; ms: number[]; inBurst: number[] };

/** Starts the client process and waits until it is loaded, so that its start-up is not measured. */
export async function startLoad(job: LoadJob): Promise<{ go(): LoadRun }> {
  const child = fork(new URL("./api-load-client.ts", import.meta.url), [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const waiters = new Map<ChildMessage["kind"], (m: ChildMessage) => void>();
  const next = <K extends ChildMessage["kind"]>(kind: K) => new Promise<Extract<ChildMessage, { kind: K }>>((r) => waiters.set(kind, r as (m: ChildMessage) => void));
  child.on("message", (m: ChildMessage) => waiters.get(m.kind)?.(m));
  const exited = new Promise<never>((_, reject) => child.once("exit", (code) => reject(new Error(`the load generator exited with ${code}`))));
  await Promise.race([next("ready"), exited]);
  return {
    go() {
      const posts = Promise.race([next("posts"), exited]);
      child.send({ kind: "go", job });
      return {
        posts,
        async stopPolling() {
          const polls = Promise.race([next("polls"), exited]);
          child.send({ kind: "stop" });
          const { ms, inBurst } = await polls;
          child.disconnect();
          return { all: ms, inBurst };
        },
      };
    },
  };
}

/**
 * Before a measured burst, not counted: `rounds` rounds of `concurrency` GETs at once, then the
 * given POSTs `concurrency` at a time, so that the web process has its database pool open and its
 * request paths compiled (and the simulator and controller have handled a few of the same objects),
 * as a portal that has been serving for a while has. Without it the first requests of the burst
 * pay for connection set-up (SCRAM authentication) and JIT compilation: start-up cost, which a
 * running portal does not charge to a user's request.
 */
export async function warmUp(opts: { url: string; tokens: string[]; concurrency: number; rounds?: number; posts?: Array<{ token: string; body: unknown }> }): Promise<void> {
  const { url, tokens, concurrency } = opts;
  const check = async (res: Response, what: string, ok: number[]) => {
    const text = await res.text();
    if (!ok.includes(res.status)) throw new Error(`warm-up ${what} ${url}: HTTP ${res.status} ${text.slice(0, 200)}`);
  };
  for (let r = 0; r < (opts.rounds ?? 3); r++) {
    await Promise.all(
      Array.from({ length: concurrency }, async (_, i) => {
        const res = await fetch(url, { headers: { authorization: `Bearer ${tokens[(r * concurrency + i) % tokens.length]}` } });
        await check(res, "GET", [200]);
      }),
    );
  }
  const posts = opts.posts ?? [];
  for (let i = 0; i < posts.length; i += concurrency) {
    await Promise.all(
      posts.slice(i, i + concurrency).map(async (p) => {
        const res = await fetch(url, { method: "POST", headers: { authorization: `Bearer ${p.token}`, "content-type": "application/json" }, body: JSON.stringify(p.body) });
        await check(res, "POST", [200, 201]);
      }),
    );
  }
}
