/**
 * The proxy's own Prometheus metrics, in its own prom-client registry (the proxy is a process of its
 * own, like configurable-http-proxy with --metrics-port), served on a separate listener by
 * `createMetricsServer` behind the same Bearer token as the web app's /metrics (METRICS_TOKEN).
 *
 *   aihub_proxy_requests_total{method,code}                  HTTP requests answered (code: the status sent)
 *   aihub_proxy_request_duration_seconds{method,code}        request received → response headers written
 *   aihub_proxy_websocket_connections                        WebSocket tunnels open now
 *   aihub_proxy_websocket_connections_total                  WebSocket tunnels established
 *   aihub_proxy_websocket_chunks_total                       data chunks relayed through tunnels, both ways
 *   aihub_proxy_routes{state}                                route table entries
 *   process_*, nodejs_*                                      prom-client's default process metrics
 *
 * The hot path must stay cheap (every notebook keystroke crosses it): prom-client hashes the label
 * set on every observe, so requests are counted here in plain cells — one Map lookup by method, one
 * by status code, a bucket scan — and turned into prom-client's output only when Prometheus scrapes.
 * Requests whose client left before any response header are not counted; WebSocket upgrades are
 * counted as tunnels, not as requests.
 */
import http, { type IncomingMessage } from "node:http";
import { performance } from "node:perf_hooks";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type MetricObjectWithValues, type MetricType, type MetricValueWithName } from "prom-client";
import type { Logger } from "pino";
import { metricsAuthorised } from "@/lib/metrics/hub-metrics";
import type { RouteTable } from "./route-table";

/** Seconds; a proxied exchange on a warm pool takes well under a millisecond of the proxy's own time. */
export const REQUEST_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Methods kept as label values; anything else is "other" (bounded label set). */
const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

const kStartedAt = Symbol("aihub.proxy.startedAt");
type Timed = IncomingMessage & { [kStartedAt]?: number };

class Cell {
  count = 0;
  sum = 0;
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  readonly buckets = new Float64Array(REQUEST_BUCKETS.length + 1);
}

type Values = MetricObjectWithValues<MetricValueWithName<string>>;

const DURATION = "aihub_proxy_request_duration_seconds";
const DURATION_HELP = "Time from request received to response headers written, by method and status code.";

/** A Histogram whose values come from the cells at scrape time (its own observe is never used). */
class CellHistogram extends Histogram<string> {
  constructor(
    private readonly cells: () => Iterable<[string, number, Cell]>,
    registry: Registry,
  ) {
    super({ name: DURATION, help: DURATION_HELP, labelNames: ["method", "code"], buckets: REQUEST_BUCKETS, registers: [registry] });
  }

  override async get(): Promise<Values> {
    const values: MetricValueWithName<string>[] = [];
    for (const [method, code, cell] of this.cells()) {
      const labels = { method, code: String(code) };
      let cumulative = 0;
      for (let i = 0; i < REQUEST_BUCKETS.length; i++) {
        cumulative += cell.buckets[i]!;
        values.push({ metricName: `${DURATION}_bucket`, labels: { le: REQUEST_BUCKETS[i]!, ...labels }, value: cumulative });
      }
      values.push({ metricName: `${DURATION}_bucket`, labels: { le: "+Inf", ...labels }, value: cell.count });
      values.push({ metricName: `${DURATION}_sum`, labels, value: cell.sum });
      values.push({ metricName: `${DURATION}_count`, labels, value: cell.count });
    }
    // prom-client's typings declare `type` as a numeric enum; at run time (and in the output) it is the string.
    return { name: DURATION, help: DURATION_HELP, type: "histogram" as unknown as MetricType, aggregator: "sum", collect: () => undefined, values };
  }

  /** What Registry.metrics() reads for the text format (prom-client calls it instead of get when present). */
  getForPromString(): Promise<Values> {
    return this.get();
  }
}

export class ProxyMetrics {
  readonly registry = new Registry();
  /** method → status code → cell. */
  private readonly cells = new Map<string, Map<number, Cell>>();
  private readonly ws = { open: 0, opened: 0, chunks: 0 };

  private routes: RouteTable | undefined;

  constructor(o: { defaultMetrics?: boolean } = {}) {
    const cells = () => this.allCells();
    new CellHistogram(cells, this.registry);
    new Counter({
      name: "aihub_proxy_requests_total", help: "HTTP requests answered by the proxy (forwarded or its own pages), by method and status code.", labelNames: ["method", "code"], registers: [this.registry],
      collect() {
        this.reset();
        for (const [method, code, cell] of cells()) this.inc({ method, code: String(code) }, cell.count);
      },
    });
    const ws = () => this.ws;
    new Gauge({
      name: "aihub_proxy_websocket_connections", help: "WebSocket tunnels open now.", registers: [this.registry],
      collect() {
        this.set(ws().open);
      },
    });
    new Counter({
      name: "aihub_proxy_websocket_connections_total", help: "WebSocket tunnels established.", registers: [this.registry],
      collect() {
        this.reset();
        this.inc(ws().opened);
      },
    });
    new Counter({
      name: "aihub_proxy_websocket_chunks_total", help: "Data chunks relayed through WebSocket tunnels, both directions (socket reads, not WebSocket frames).", registers: [this.registry],
      collect() {
        this.reset();
        this.inc(ws().chunks);
      },
    });
    const routes = () => this.routes;
    new Gauge({
      name: "aihub_proxy_routes", help: "Entries in the proxy's route table, by session state.", labelNames: ["state"], registers: [this.registry],
      collect() {
        this.reset();
        const table = routes();
        if (table === undefined) return;
        const byState = { starting: 0, ready: 0, stopped: 0 };
        for (const r of table.all()) byState[r.state]++;
        for (const [state, n] of Object.entries(byState)) this.set({ state }, n);
      },
    });
    if (o.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** The table `aihub_proxy_routes` counts (createProxyServer hands over its own). */
  trackRoutes(routes: RouteTable): void {
    this.routes = routes;
  }

  /** Marks when a request arrived (hot path: one clock read). */
  start(req: IncomingMessage): void {
    (req as Timed)[kStartedAt] = performance.now();
  }

  /** Called when the response headers for `req` are written, with the status sent. */
  response(req: IncomingMessage, status: number): void {
    const startedAt = (req as Timed)[kStartedAt];
    if (startedAt === undefined) return;
    const seconds = (performance.now() - startedAt) / 1000;
    let byCode = this.cells.get(req.method!);
    if (byCode === undefined) {
      const method = METHODS.has(req.method!) ? req.method! : "other";
      byCode = this.cells.get(method);
      if (byCode === undefined) this.cells.set(method, (byCode = new Map()));
    }
    let cell = byCode.get(status);
    if (cell === undefined) byCode.set(status, (cell = new Cell()));
    cell.count++;
    cell.sum += seconds;
    let i = 0;
    while (i < REQUEST_BUCKETS.length && seconds > REQUEST_BUCKETS[i]!) i++;
    cell.buckets[i]!++;
  }

  /** Bound, so it can be passed as a listener. */
  readonly websocketOpened = (): void => {
    this.ws.open++;
    this.ws.opened++;
  };

  readonly websocketClosed = (): void => {
    this.ws.open--;
  };

  readonly websocketData = (): void => {
    this.ws.chunks++;
  };

  private *allCells(): Iterable<[string, number, Cell]> {
    for (const [method, byCode] of this.cells) for (const [code, cell] of byCode) yield [method, code, cell];
  }
}

export interface MetricsServerOptions {
  metrics: ProxyMetrics;
  /** METRICS_TOKEN; without it /metrics answers 404, as the web app's does. */
  token: string | undefined;
  logger?: Pick<Logger, "error">;
}

/** GET /metrics with `Authorization: Bearer <token>`; everything else 404. Listen on it yourself. */
export function createMetricsServer(o: MetricsServerOptions): http.Server {
  return http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/metrics" || o.token === undefined) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      res.end("Not found\n");
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" });
      res.end("Method not allowed\n");
      return;
    }
    if (!metricsAuthorised(req.headers.authorization ?? null, o.token)) {
      res.writeHead(401, { "content-type": "text/plain; charset=utf-8", "www-authenticate": 'Bearer realm="metrics"' });
      res.end("Unauthorized\n");
      return;
    }
    o.metrics.registry.metrics().then(
      (body) => {
        res.writeHead(200, { "content-type": o.metrics.registry.contentType, "cache-control": "no-store" });
        res.end(req.method === "HEAD" ? undefined : body);
      },
      (err: unknown) => {
        o.logger?.error({ err }, "proxy metrics collection failed");
        res.writeHead(503, { "content-type": "text/plain; charset=utf-8" });
        res.end("metrics collection failed\n");
      },
    );
  });
}
