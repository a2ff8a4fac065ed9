import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { waitFor } from "@/lib/sessions/test-support/wait-for";
import { createMetricsServer, ProxyMetrics } from "./metrics";
import { cookieFor, listen, rawRequest, route, startBackend, startProxy, type Backend, type RunningProxy } from "./test-support";

const TOKEN = "proxy-metrics-token-0123456789";

let pod: Backend, web: Backend;
let proxy: RunningProxy;
let metrics: ProxyMetrics;
let metricsServer: http.Server;
let metricsPort: number;
let alice: string, bob: string;

beforeAll(async () => {
  [pod, web] = await Promise.all([startBackend("pod"), startBackend("web")]);
  // The proxy under test gets its metrics through the same option main.ts uses.
  metrics = new ProxyMetrics();
  proxy = await startProxy([route("alice", "s1", pod.port), route("alice", "warming", pod.port, { state: "starting" })], web, { metrics });
  metricsServer = createMetricsServer({ metrics, token: TOKEN });
  metricsPort = await listen(metricsServer);
  [alice, bob] = await Promise.all([cookieFor({ id: "alice-id", username: "alice" }), cookieFor({ id: "bob-id", username: "bob" })]);
});

afterAll(async () => {
  await proxy?.close();
  metricsServer?.closeAllConnections();
  await new Promise((r) => metricsServer?.close(r));
  await Promise.all([pod, web].map((b) => b?.close()));
});

async function scrape(headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }): Promise<{ status: number; body: string; type: string | undefined }> {
  const r = await rawRequest(metricsPort, "/metrics", headers);
  return { status: r.status, body: r.body, type: r.headers["content-type"] };
}

/** The value of one sample line, e.g. `aihub_proxy_requests_total{method="GET",code="200"}`; 0 when absent. */
function sample(body: string, series: string): number {
  const line = body.split("\n").find((l) => l.startsWith(series + " "));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe("proxy metrics endpoint", () => {
  it("refuses a scrape without the token or with a wrong one", async () => {
    const none = await scrape({});
    const wrong = await scrape({ authorization: `Bearer ${TOKEN}x` });
    const basic = await scrape({ authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString("base64")}` });
    expect([none.status, wrong.status, basic.status]).toEqual([401, 401, 401]);
    expect(none.body).not.toContain("aihub_proxy");
  });

  it("answers 404 when no METRICS_TOKEN is configured, and for other paths", async () => {
    const open = createMetricsServer({ metrics, token: undefined });
    const port = await listen(open);
    try {
      expect((await rawRequest(port, "/metrics")).status).toBe(404);
      expect((await rawRequest(port, "/metrics", { authorization: "Bearer " })).status).toBe(404);
    } finally {
      await new Promise((r) => open.close(r));
    }
    expect((await rawRequest(metricsPort, "/", { authorization: `Bearer ${TOKEN}` })).status).toBe(404);
  });

  it("serves Prometheus text with the token: requests by method and code go up with proxied traffic", async () => {
    const ok = 'aihub_proxy_requests_total{method="GET",code="200"}';
    const forbidden = 'aihub_proxy_requests_total{method="GET",code="403"}';
    const unauth = 'aihub_proxy_requests_total{method="POST",code="401"}';
    const starting = 'aihub_proxy_requests_total{method="GET",code="503"}';
    const before = await scrape();
    expect(before.status).toBe(200);
    expect(before.type).toMatch(/^text\/plain; version=0\.0\.4/);

    for (let i = 0; i < 3; i++) expect((await rawRequest(proxy.port, "/user/alice/s1/api/kernels", { cookie: alice })).status).toBe(200);
    expect((await rawRequest(proxy.port, "/api/v1/sessions", { cookie: alice })).status).toBe(200); // the web server
    expect((await rawRequest(proxy.port, "/user/alice/s1/", { cookie: bob })).status).toBe(403);
    expect((await rawRequest(proxy.port, "/user/alice/s1/api/contents", { accept: "application/json" }, "POST")).status).toBe(401);
    expect((await rawRequest(proxy.port, "/user/alice/warming/", { cookie: alice })).status).toBe(503);

    const after = (await scrape()).body;
    expect(sample(after, ok) - sample(before.body, ok)).toBe(4);
    expect(sample(after, forbidden) - sample(before.body, forbidden)).toBe(1);
    expect(sample(after, unauth) - sample(before.body, unauth)).toBe(1);
    expect(sample(after, starting) - sample(before.body, starting)).toBe(1);
    // The latency histogram counts the same requests, with cumulative buckets ending at +Inf.
    expect(sample(after, 'aihub_proxy_request_duration_seconds_count{method="GET",code="200"}')).toBe(sample(after, ok));
    expect(sample(after, 'aihub_proxy_request_duration_seconds_bucket{le="+Inf",method="GET",code="200"}')).toBe(sample(after, ok));
    expect(sample(after, 'aihub_proxy_request_duration_seconds_sum{method="GET",code="200"}')).toBeGreaterThan(0);
    expect(after).toContain("# TYPE aihub_proxy_request_duration_seconds histogram");
    // Route table size, by state.
    expect(sample(after, 'aihub_proxy_routes{state="ready"}')).toBe(1);
    expect(sample(after, 'aihub_proxy_routes{state="starting"}')).toBe(1);
    // prom-client's process metrics come along (memory for leak hunting).
    expect(sample(after, "process_resident_memory_bytes")).toBeGreaterThan(0);
  });

  it("counts WebSocket tunnels open, established and their traffic", async () => {
    const before = (await scrape()).body;
    const ws = new WebSocket(`ws://127.0.0.1:${proxy.port}/user/alice/s1/api/kernels/k/channels`, { headers: { cookie: alice } });
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    const echoed = new Promise((resolve) => ws.once("message", resolve));
    ws.send("ping");
    await echoed;
    const during = (await scrape()).body;
    expect(sample(during, "aihub_proxy_websocket_connections")).toBe(sample(before, "aihub_proxy_websocket_connections") + 1);
    expect(sample(during, "aihub_proxy_websocket_connections_total") - sample(before, "aihub_proxy_websocket_connections_total")).toBe(1);
    expect(sample(during, "aihub_proxy_websocket_chunks_total") - sample(before, "aihub_proxy_websocket_chunks_total")).toBeGreaterThanOrEqual(2);
    ws.close();
    await waitFor("the tunnel to close", async () => sample((await scrape()).body, "aihub_proxy_websocket_connections") === sample(before, "aihub_proxy_websocket_connections"));
  });
});
