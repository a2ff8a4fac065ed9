/**
 * `npm run bench:proxy`: AI Hub's proxy against configurable-http-proxy (JupyterHub's) and no proxy
 * at all, side by side in one run, on the same small backend. Every party is its own process: the
 * backend, CHP, AI Hub's proxy (authentication on, with a real encrypted next-auth cookie) and the
 * load generator (bench/proxy-load.ts: a raw keep-alive HTTP/1.1 client, the same for all three, and
 * a WebSocket echo loop).
 *
 *   BENCH_DURATION   seconds per measurement (default 5)
 *   BENCH_ROUNDS     rounds; each measures every contender once, in a rotated order (default 3)
 *   BENCH_PIN        1 (default when `taskset` exists and there are ≥ 2 cores): load generator and
 *                    backend on core 0, the proxies on core 1, so a proxy never shares its core with
 *                    the client that measures it; 0: let the scheduler place everything
 *   BENCH_SOAK_S     soak mode instead of the rounds (also `npm run bench:proxy -- --soak 300`): CHP and
 *                    AI Hub under load at once for that many seconds, RSS sampled; see bench/proxy-soak.ts.
 *                    BENCH_SOAK_SAMPLE_S (default 5), BENCH_SOAK_CONNECTIONS (HTTP, default 100),
 *                    BENCH_SOAK_RECONNECT (exchanges per connection, default 1000)
 *   BENCH_CLIENT     raw (default; bench/proxy-load.ts's keep-alive socket client) or autocannon
 *   BENCH_TARGETS    comma-separated subset of direct,chp,aihub (default all three)
 *   BENCH_WS         0: skip the WebSocket measurements
 *   BENCH_METRICS    0: AI Hub's proxy without its request metrics (default on, as in production)
 *   BENCH_MEMLOG     1: AI Hub's proxy prints its V8 heap next to its RSS every 10 s (stderr)
 *   BENCH_CPU_PROF   a directory: AI Hub's proxy runs with `node --cpu-prof` and writes its profile there
 *   BENCH_AIHUB_NODE_FLAGS  extra node flags for AI Hub's proxy (e.g. --max-semi-space-size=16)
 *
 * The machine is shared, so the contenders are measured interleaved (A B C, B C A, C A B…) and
 * every figure is the median over the rounds; CPU time per request (from /proc/<pid>/stat) is
 * reported next to the wall-clock figures because it does not depend on what else is running.
 * Prints a table and, last, `ratio_rps_vs_chp=<x> ratio_p99_vs_chp=<y>` (AI Hub / CHP, 10 connections).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { availableParallelism } from "node:os";
import path from "node:path";
import { encode } from "next-auth/jwt";
import { rssMb, soak } from "./proxy-soak";

const root = path.resolve(import.meta.dirname, "..");
const seconds = Number(process.env.BENCH_DURATION ?? 5);
const soakFlag = process.argv.indexOf("--soak");
const soakSeconds = Number(soakFlag === -1 ? (process.env.BENCH_SOAK_S ?? 0) : process.argv[soakFlag + 1]);
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const client = process.env.BENCH_CLIENT === "autocannon" ? "autocannon" : "raw";
const cpuProfDir = process.env.BENCH_CPU_PROF;
const pin = process.env.BENCH_PIN !== "0" && availableParallelism() >= 2 && existsSync("/usr/bin/taskset");
const children: ChildProcess[] = [];

/** `node <args>` on a given core when pinning, else wherever the scheduler likes. */
function nodeCommand(core: 0 | 1, args: string[]): [string, string[]] {
  return pin ? ["/usr/bin/taskset", ["-c", String(core), process.execPath, ...args]] : [process.execPath, args];
}

function start(name: string, core: 0 | 1, args: string[], env: Record<string, string> = {}): { child: ChildProcess; ready: Promise<number> } {
  const [cmd, argv] = nodeCommand(core, args);
  const child = spawn(cmd, argv, { cwd: root, env: { ...process.env, ...env, LOG_LEVEL: "warn" }, stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  const ready = new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      const m = /ready (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`${name} exited (${code}) before it was ready`)));
  });
  return { child, ready };
}

async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** CPU time (user + system) a process has used, in milliseconds; from /proc/<pid>/stat. */
function cpuMs(pid: number | undefined): number {
  if (!pid) return NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  // utime and stime are fields 14 and 15 of stat (11 and 12 after the command name), in clock ticks.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

interface HttpResult {
  total: number;
  /** CPU the proxy process used per request, in microseconds (machine-load independent). */
  cpuUs?: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

function load<T>(job: object): Promise<T> {
  return new Promise((resolve, reject) => {
    const [cmd, argv] = nodeCommand(0, ["--import", "tsx", "bench/proxy-load.ts", JSON.stringify({ client, ...job })]);
    const child = spawn(cmd, argv, { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.once("exit", (code) => (code === 0 ? resolve(JSON.parse(out.trim().split("\n").at(-1)!) as T) : reject(new Error(`load generator exited ${code}`))));
  });
}

async function chpAddRoute(apiPort: number, token: string, backendPort: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${apiPort}/api/routes/user/alice/s1`, {
        method: "POST",
        headers: { authorization: `token ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ target: `http://127.0.0.1:${backendPort}` }),
      });
      if (r.status === 201) return;
      throw new Error(`CHP answered ${r.status}`);
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

const median = (xs: number[]): number => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Median of each field over the rounds; errors are summed. */
function summarize(rs: HttpResult[]): HttpResult {
  const pick = (f: (r: HttpResult) => number) => median(rs.map(f));
  return { total: pick((r) => r.total), cpuUs: pick((r) => r.cpuUs ?? NaN), rps: pick((r) => r.rps), p50: pick((r) => r.p50), p99: pick((r) => r.p99), errors: rs.reduce((a, r) => a + r.errors, 0), non2xx: rs.reduce((a, r) => a + r.non2xx, 0) };
}

async function main(): Promise<void> {
  const secret = randomBytes(32).toString("base64url");
  const chpToken = randomBytes(16).toString("hex");
  // The backend shares core 0 with the load generator: core 1 is the proxies' alone.
  const backend = start("backend", 0, ["--import", "tsx", "bench/proxy-backend.ts"]);
  const backendPort = await backend.ready;
  const profile = cpuProfDir ? ["--cpu-prof", "--cpu-prof-dir", path.resolve(cpuProfDir)] : [];
  profile.push(...(process.env.BENCH_AIHUB_NODE_FLAGS?.split(" ").filter(Boolean) ?? []));
  const aihub = start("aihub", 1, [...profile, "--import", "tsx", "bench/proxy-aihub.ts"], { BENCH_BACKEND_PORT: String(backendPort), BENCH_SECRET: secret });
  const [chpPort, chpApiPort] = [await freePort(), await freePort()];
  const [chpCmd, chpArgs] = nodeCommand(1, ["node_modules/configurable-http-proxy/bin/configurable-http-proxy", "--ip", "127.0.0.1", "--port", String(chpPort), "--api-ip", "127.0.0.1", "--api-port", String(chpApiPort), "--log-level", "warn"]);
  const chp = spawn(chpCmd, chpArgs, { cwd: root, env: { ...process.env, CONFIGPROXY_AUTH_TOKEN: chpToken }, stdio: ["ignore", "ignore", "inherit"] });
  children.push(chp);
  const aihubPort = await aihub.ready;
  await chpAddRoute(chpApiPort, chpToken, backendPort);

  const cookie = `next-auth.session-token=${await encode({ secret, maxAge: 3600, token: { sub: "alice-id", uid: "alice-id", username: "alice", groups: [], roles: ["researcher"] } })}`;
  const headers = { cookie, accept: "application/json" };
  const path1 = "/user/alice/s1/api/kernels";
  const only = process.env.BENCH_TARGETS?.split(",");
  const targets = [
    // For "direct" the CPU column is the backend's own cost per request.
    { name: "direct", port: backendPort, pid: backend.child.pid, proxy: false },
    { name: "chp", port: chpPort, pid: chp.pid, proxy: true },
    { name: "aihub", port: aihubPort, pid: aihub.child.pid, proxy: true },
  ].filter((t) => only === undefined || only.includes(t.name));
  const loadavg = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  const loadStart = loadavg();

  process.stderr.write(`warming up (${targets.length} targets)…\n`);
  for (const t of targets) await load<HttpResult>({ kind: "http", url: `http://127.0.0.1:${t.port}${path1}`, connections: 10, seconds: 2, headers });
  if (soakSeconds > 0) {
    const report = await soak({
      targets: targets.filter((t) => t.proxy),
      seconds: soakSeconds,
      sampleMs: Number(process.env.BENCH_SOAK_SAMPLE_S ?? 5) * 1000,
      httpConnections: Number(process.env.BENCH_SOAK_CONNECTIONS ?? 100),
      wsConnections: 10,
      reconnectEvery: Number(process.env.BENCH_SOAK_RECONNECT ?? 1000),
      path: path1,
      headers,
      load,
      log: (line) => process.stderr.write(line + "\n"),
    });
    process.stdout.write(`\n${report}load average ${loadStart} at start, ${loadavg()} at end\n`);
    return;
  }
  const rssBefore = new Map(targets.map((t) => [t.name, t.proxy ? rssMb(t.pid) : NaN]));

  const raw = new Map<string, HttpResult[]>();
  const wsRaw = new Map<string, { msgs: number; errors: number }[]>();
  for (let round = 0; round < rounds; round++) {
    // Rotated order: no contender is always first (cold) or last (after the others heated the machine).
    const order = targets.map((_, i) => targets[(i + round) % targets.length]!);
    for (const connections of [10, 100]) {
      for (const t of order) {
        process.stderr.write(`round ${round + 1}/${rounds} http ${t.name} c=${connections} ${seconds}s…\n`);
        const cpu0 = cpuMs(t.pid);
        const r = await load<HttpResult>({ kind: "http", url: `http://127.0.0.1:${t.port}${path1}`, connections, seconds, headers });
        r.cpuUs = ((cpuMs(t.pid) - cpu0) * 1000) / r.total;
        raw.set(`${t.name}:${connections}`, [...(raw.get(`${t.name}:${connections}`) ?? []), r]);
      }
    }
    for (const t of process.env.BENCH_WS === "0" ? [] : order) {
      process.stderr.write(`round ${round + 1}/${rounds} websocket ${t.name} c=10 ${seconds}s…\n`);
      const w = await load<{ msgs: number; errors: number }>({ kind: "ws", url: `ws://127.0.0.1:${t.port}/user/alice/s1/api/kernels/k/channels`, connections: 10, seconds, headers });
      wsRaw.set(t.name, [...(wsRaw.get(t.name) ?? []), w]);
    }
  }
  const results = new Map([...raw].map(([k, rs]) => [k, summarize(rs)]));

  const rssAfter = new Map(targets.map((t) => [t.name, t.proxy ? rssMb(t.pid) : NaN]));

  const f = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : "-");
  const rows = [["target", "rps@10", "p50@10 ms", "p99@10 ms", "rps@100", "p50@100 ms", "p99@100 ms", "ws msg/s@10", "cpu µs/req@10", "cpu µs/req@100", "errors", "rss MB", "rss growth MB"]];
  for (const t of targets) {
    const a = results.get(`${t.name}:10`)!;
    const b = results.get(`${t.name}:100`)!;
    const w = wsRaw.get(t.name) ?? [];
    const before = rssBefore.get(t.name)!;
    const after = rssAfter.get(t.name)!;
    const wsErrors = w.reduce((n, x) => n + x.errors, 0);
    rows.push([t.name, f(a.rps), f(a.p50, 2), f(a.p99, 2), f(b.rps), f(b.p50, 2), f(b.p99, 2), f(median(w.map((x) => x.msgs))), f(a.cpuUs ?? NaN, 0), f(b.cpuUs ?? NaN, 0), String(a.errors + a.non2xx + b.errors + b.non2xx + wsErrors), f(after, 1), f(after - before, 1)]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((c, i) => c.padStart(widths[i]!)).join("  "));
  const placement = pin ? "load generator + backend on core 0, proxies on core 1 (taskset)" : "no CPU pinning";
  process.stdout.write(
    `\nproxy benchmark: median of ${rounds} interleaved rounds, ${seconds}s per measurement, path ${path1}, AI Hub with cookie authentication\n` +
      `${placement}; load average ${loadStart} at start, ${loadavg()} at end; cpu µs/req of "direct" is the backend's\n${lines.join("\n")}\n`,
  );
  for (const [key, rs] of raw) if (key.endsWith(":10")) process.stdout.write(`rounds ${key.replace(":10", "")} c=10: rps ${rs.map((r) => f(r.rps)).join(" ")}; p99 ms ${rs.map((r) => f(r.p99, 1)).join(" ")}\n`);

  const ai = results.get("aihub:10") ?? summarize([]);
  const c = results.get("chp:10") ?? summarize([]);
  process.stdout.write(`cpu_per_request_ratio_vs_chp=${((ai.cpuUs ?? NaN) / (c.cpuUs ?? NaN)).toFixed(2)} (lower is better; independent of other load on the machine)\n`);
  process.stdout.write(`ratio_rps_vs_chp=${(ai.rps / c.rps).toFixed(2)} ratio_p99_vs_chp=${(ai.p99 / c.p99).toFixed(2)}\n`);
}

try {
  await main();
} finally {
  for (const c of children) c.kill("SIGTERM");
}
