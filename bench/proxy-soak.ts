/**
 * Soak mode of `npm run bench:proxy` (`BENCH_SOAK_S=300` or `-- --soak 300`): configurable-http-proxy
 * and AI Hub's proxy are driven at the same time for that long — keep-alive HTTP load whose
 * connections are replaced every `reconnectEvery` exchanges, plus WebSocket echo loops that
 * reconnect too, so that per-connection state (sockets, listeners, tunnels, pooled upstreams) is
 * created and dropped all along — while each proxy's resident memory is read from
 * /proc/<pid>/status every few seconds. Prints start/end/max RSS and the slope for both, side by side.
 */
import { readFileSync } from "node:fs";

export interface SoakTarget {
  name: string;
  port: number;
  pid: number | undefined;
}

export interface SoakOptions {
  targets: SoakTarget[];
  seconds: number;
  sampleMs: number;
  httpConnections: number;
  wsConnections: number;
  reconnectEvery: number;
  path: string;
  headers: Record<string, string>;
  load: <T>(job: object) => Promise<T>;
  log: (line: string) => void;
}

export function rssMb(pid: number | undefined): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN; // the process is gone
  }
}

/** Least-squares slope of (t seconds, MB) points, in MB per minute. */
export function slopeMbPerMin(points: Array<[number, number]>): number {
  const ps = points.filter(([, y]) => Number.isFinite(y));
  if (ps.length < 2) return NaN;
  const mx = ps.reduce((a, [x]) => a + x, 0) / ps.length;
  const my = ps.reduce((a, [, y]) => a + y, 0) / ps.length;
  let num = 0;
  let den = 0;
  for (const [x, y] of ps) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? NaN : (num / den) * 60;
}

interface HttpTotals {
  total: number;
  errors: number;
  non2xx: number;
}

export async function soak(o: SoakOptions): Promise<string> {
  const samples = new Map(o.targets.map((t) => [t.name, [[0, rssMb(t.pid)]] as Array<[number, number]>]));
  const t0 = Date.now();
  const timer = setInterval(() => {
    const t = (Date.now() - t0) / 1000;
    for (const target of o.targets) samples.get(target.name)!.push([t, rssMb(target.pid)]);
    if (Math.round(t) % 60 === 0) o.log(`soak ${Math.round(t)}s: ${o.targets.map((x) => `${x.name} ${rssMb(x.pid).toFixed(1)} MB`).join(", ")}`);
  }, o.sampleMs);
  const results = await Promise.all(
    o.targets.map(async (t) => {
      const [http, ws] = await Promise.all([
        o.load<HttpTotals>({ kind: "http", url: `http://127.0.0.1:${t.port}${o.path}`, connections: o.httpConnections, seconds: o.seconds, headers: o.headers, reconnectEvery: o.reconnectEvery }),
        o.load<{ msgs: number; errors: number }>({ kind: "ws", url: `ws://127.0.0.1:${t.port}${o.path}/channels`, connections: o.wsConnections, seconds: o.seconds, headers: o.headers, reconnectEvery: o.reconnectEvery }),
      ]);
      return { name: t.name, http, ws };
    }),
  );
  clearInterval(timer);
  const end = (Date.now() - t0) / 1000;
  for (const target of o.targets) samples.get(target.name)!.push([end, rssMb(target.pid)]);

  // The first minute (or fifth of the run) grows the heap, the socket pools and the JIT's code: the
  // slope after it is the one that tells a leak.
  const warm = Math.min(60, o.seconds / 5);
  const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : "-");
  const rows = [["target", "requests", "req/s", "ws msg/s", "errors", "rss start MB", "rss end MB", "rss max MB", "slope MB/min", `slope after ${warm.toFixed(0)} s MB/min`]];
  for (const r of results) {
    const s = samples.get(r.name)!;
    const ys = s.map(([, y]) => y).filter(Number.isFinite);
    rows.push([
      r.name, String(r.http.total), f(r.http.total / o.seconds, 0), f(r.ws.msgs, 0), String(r.http.errors + r.http.non2xx + r.ws.errors),
      f(s[0]![1]), f(s.at(-1)![1]), f(Math.max(...ys)), f(slopeMbPerMin(s), 2), f(slopeMbPerMin(s.filter(([t]) => t >= warm)), 2),
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const table = rows.map((r) => r.map((c, i) => c.padStart(widths[i]!)).join("  ")).join("\n");
  const perMinute = o.targets
    .map((t) => {
      const s = samples.get(t.name)!;
      const marks = s.filter(([x], i) => i === 0 || i === s.length - 1 || Math.floor(x / 60) !== Math.floor(s[i - 1]![0] / 60));
      return `${t.name}: RSS MB ${marks.map(([x, y]) => `${f(y)}@${x.toFixed(0)}s`).join(" → ")}`;
    })
    .join("\n");
  return (
    `proxy soak: ${o.seconds}s, both proxies under load at once (HTTP keep-alive c=${o.httpConnections} and WebSocket echo c=${o.wsConnections} each, ` +
    `every connection replaced after ${o.reconnectEvery} exchanges); RSS from /proc/<pid>/status every ${o.sampleMs / 1000}s\n${table}\n${perMinute}\n`
  );
}
