/**
 * The simulator and the controller as their own processes, as in `npm run dev` and production, for
 * bench/spawn.ts and bench/batch.ts. Each start resolves only once the process is ready: a burst
 * measured while the controller is still loading its modules (two seconds of one core under tsx)
 * measures the controller's start-up, which a running portal never pays for a user's request.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";

export async function startSimProcess(opts: { timeScale: number; token: string }): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(process.execPath, ["--import", "tsx", "sim/main.ts", "--port", "0", "--time-scale", String(opts.timeScale), "--token", opts.token], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, ...(process.env.BENCH_SIM_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SIM_NODE_OPTIONS } : {}) },
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    proc.stdout!.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      const m = /(https?:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    proc.once("exit", (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  return { url, proc };
}

/**
 * Starts `controller/main.ts` at the production log level (info) and resolves once it is the
 * leader with its informers synced (its "informers synced" line). Its warnings and errors are
 * passed on to stderr; info lines are dropped.
 */
export async function startControllerProcess(env: Record<string, string>, timeoutMs = 60_000): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ["--import", "tsx", "controller/main.ts"], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, LOG_LEVEL: "info", AI_HUB_SERVICE: "controller", ...env, ...(process.env.BENCH_CONTROLLER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_CONTROLLER_NODE_OPTIONS } : {}) },
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the controller did not sync its informers in time")), timeoutMs);
    let pending = "";
    let synced = false;
    proc.stdout!.setEncoding("utf8").on("data", (d: string) => {
      pending += d;
      const lines = pending.split("\n");
      pending = lines.pop()!;
      for (const line of lines) {
        if (!synced && line.includes("informers synced")) {
          synced = true;
          clearTimeout(timer);
          resolve();
        }
        // pino levels: 40 warn, 50 error, 60 fatal.
        if (/"level":(4|5|6)0/.test(line)) process.stderr.write(`controller: ${line}\n`);
      }
    });
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`controller exited with ${code}`));
    });
  });
  return proc;
}

/**
 * CPU time (user + system, ms) of processes, read from /proc (Linux; NaN elsewhere). The benches
 * report it per request, beside latency: on a shared two-core machine latency moves with the load
 * from other work, while CPU per request shows what each process of the stack costs.
 */
function procCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}
// USER_HZ: 100 on every Linux architecture Node supports.
const CLOCK_TICKS = 100;

/** The postmaster (first line of postmaster.pid) and its children: the server backends. */
export function postgresPids(pgdata: string): number[] {
  let postmaster: number;
  try {
    postmaster = Number.parseInt(readFileSync(path.join(pgdata, "postmaster.pid"), "utf8").split("\n")[0]!, 10);
  } catch {
    return [];
  }
  const pids = [postmaster];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === postmaster) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

export interface CpuGroups {
  [name: string]: () => number[];
}

/**
 * How fast this machine is right now: the milliseconds a fixed task (JSON round trips of a small
 * document, one core) takes, best of three. A shared machine's speed moves from hour to hour, and
 * the benchmarks' latencies with it; printed beside them so that runs can be compared.
 */
export function machineCheckMs(): number {
  const doc = { items: Array.from({ length: 200 }, (_, i) => ({ i, s: "x".repeat(20), n: { d: i * 2 } })) };
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 3; round++) {
    const t = performance.now();
    let n = 0;
    for (let k = 0; k < 1000; k++) n += (JSON.parse(JSON.stringify(doc)) as typeof doc).items.length;
    if (n !== 200_000) throw new Error("machine check miscounted");
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

/** Snapshot of the CPU ms of each named group of processes ("web" is this process). */
export function cpuSnapshot(groups: CpuGroups): Record<string, number> {
  const out: Record<string, number> = {};
  const self = process.cpuUsage();
  out.web = (self.user + self.system) / 1000;
  for (const [name, pids] of Object.entries(groups)) out[name] = pids().reduce((s, pid) => s + procCpuMs(pid), 0);
  return out;
}

/** "web 12.3, sim 8.1, …": CPU ms per request between two snapshots. */
export function cpuPerRequest(before: Record<string, number>, after: Record<string, number>, requests: number): string {
  return Object.keys(after)
    .map((k) => `${k} ${((after[k]! - (before[k] ?? 0)) / requests).toFixed(1)}`)
    .join(", ");
}
