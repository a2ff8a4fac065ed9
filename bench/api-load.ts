/**
 * Load generator for bench/spawn.ts and bench/batch.ts, run as its own process (bench/api-load-client.ts)
 * so that the clients' fetch machinery never shares an event loop, nor CPU time, with the API server
 * it measures (users' browsers and scripts are not inside the portal either).
 *
 * One job: POST every body (at most `concurrency` in flight, `concurrency` = posts.length for "all at
 * once"), while one poller GETs `pollUrl` in a closed loop, round-robin over `pollTokens`, until the
 * parent says stop. Latencies are measured here, from before the request is sent until the whole
 * response is read.
 */
import { fork } from "node:child_process";

export interface LoadJob {
  posts: Array<{ url: string; token: string; body: unknown }>;
  concurrency: number;
  pollUrl: string;
  pollTokens: string[];
}

export interface PostResult {
  ms: number;
  status: number;
  /** The first 300 characters of the body of a failed request. */
  error?: string;
}

export interface LoadRun {
  /** Resolves when every POST has been answered. */
  posts: Promise<{ results: PostResult[]; burstMs: number }>;
  /** Stops the poller; resolves with its latencies: all, and those of GETs sent while POSTs were in flight. */
  stopPolling(): Promise<{ all: number[]; inBurst: number[] }>;
}

type ChildMessage = { kind: "ready" } | { kind: "posts"; results: PostResult[]; burstMs: number } | { kind: "polls"; ms: number[]; inBurst: number[] };

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
