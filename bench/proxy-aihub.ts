/**
 * AI Hub's proxy as benchmarked: authentication on (the real next-auth cookie decoder and cache),
 * one static route /user/alice/s1 → the backend, activity recording on, request metrics on (as
 * with PROXY_METRICS_PORT; BENCH_METRICS=0 turns them off). Prints `ready <port>`.
 */
import type { AddressInfo } from "node:net";
import { getHeapSpaceStatistics } from "node:v8";
import { decodeSessionCookie } from "@/lib/auth/session-cookie";
import { ActivitySink } from "@/proxy/activity";
import { Authenticator } from "@/proxy/authenticator";
import { ProxyMetrics } from "@/proxy/metrics";
import { RouteTable, StaticRouteSource } from "@/proxy/route-table";
import { createProxyServer } from "@/proxy/server";

const backendPort = Number(process.env.BENCH_BACKEND_PORT);
const secret = process.env.BENCH_SECRET ?? "";
const routes = new RouteTable();
await new StaticRouteSource([
  { username: "alice", sessionName: "s1", sessionId: "s1-id", ownerId: "alice-id", target: { host: "127.0.0.1", port: backendPort }, token: "pod-token", state: "ready" },
]).start(routes);
const activity = new ActivitySink({ flush: async () => undefined, intervalMs: 30_000 });
activity.start();
const authenticator = new Authenticator({ decodeCookie: (v) => decodeSessionCookie(v, secret) });
const metrics = process.env.BENCH_METRICS === "0" ? undefined : new ProxyMetrics();
const proxy = createProxyServer({ routes, authenticator, activity, metrics, webUrl: `http://127.0.0.1:${backendPort}` });
proxy.server.listen(0, "127.0.0.1", () => process.stdout.write(`ready ${(proxy.server.address() as AddressInfo).port}\n`));
// Exit normally on a signal so that `node --cpu-prof` can write its profile.
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(0));
// BENCH_MEMLOG=1: V8 heap spaces next to RSS every 10 s on stderr, to tell a heap leak from allocator growth.
if (process.env.BENCH_MEMLOG) {
  const mb = (n: number) => (n / 1048576).toFixed(0);
  setInterval(() => {
    const m = process.memoryUsage();
    const spaces = getHeapSpaceStatistics().map((s) => `${s.space_name.replace("_space", "")} ${mb(s.space_size)}/${mb(s.space_used_size)}`);
    process.stderr.write(`aihub memory MB: rss ${mb(m.rss)} heap ${mb(m.heapTotal)}/${mb(m.heapUsed)} external ${mb(m.external)} (size/used: ${spaces.join(", ")})\n`);
  }, 10_000).unref();
}
