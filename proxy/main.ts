/**
 * `npm run proxy`: the proxy process. Reads its configuration from lib/env (PROXY_*, see
 * proxy/config.ts), builds the route table from PostgreSQL (LISTEN/NOTIFY) when DATABASE_URL is
 * set, and serves on PROXY_PORT. Logs carry `service: "proxy"` through AI_HUB_SERVICE (npm script).
 * With PROXY_METRICS_PORT, a second listener serves the proxy's Prometheus metrics (proxy/metrics.ts)
 * at /metrics behind METRICS_TOKEN. SIGTERM/SIGINT: stop accepting, let in-flight exchanges finish
 * up to PROXY_SHUTDOWN_GRACE_MS, flush activity, exit.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeSessionCookie } from "@/lib/auth/session-cookie";
import { authSecret } from "@/lib/auth/secret";
import { postgresConfig } from "@/lib/db/postgres-config";
import { disconnectPrisma } from "@/lib/db/prisma";
import { env } from "@/lib/env";
import { log as logger } from "@/lib/log";
import { verifyApiToken } from "@/lib/tokens/api-tokens";
import { ActivitySink } from "./activity";
import { Authenticator } from "./authenticator";
import { proxyConfig } from "./config";
import { createMetricsServer, ProxyMetrics } from "./metrics";
import { PgRouteSource } from "./pg-route-source";
import { RouteTable, StaticRouteSource, type RouteSource } from "./route-table";
import { createProxyServer } from "./server";
import { flushActivityToDb, loadRoutesFromDb } from "./session-store";

async function main(): Promise<void> {
  const shared = env();
  const config = proxyConfig(shared);
  const secret = authSecret(shared);
  const databaseUrl = shared.DATABASE_URL;

  const routes = new RouteTable();
  const source: RouteSource = databaseUrl
    ? new PgRouteSource({ connection: postgresConfig(databaseUrl), loadAllRoutes: () => loadRoutesFromDb(), logger })
    : new StaticRouteSource([]);
  if (!databaseUrl) logger.warn("DATABASE_URL is not set: no session routes, only the web server is reachable");

  const activity = new ActivitySink({
    intervalMs: config.activityFlushMs,
    flush: databaseUrl ? flushActivityToDb : async () => undefined,
    onError: (err) => logger.warn({ err }, "activity flush failed; kept for the next batch"),
  });
  const authenticator = new Authenticator({
    decodeCookie: (value) => decodeSessionCookie(value, secret),
    verifyApiToken: databaseUrl ? (token) => verifyApiToken(token) : undefined,
    ttlMs: config.authCacheTtlMs,
  });

  // Metrics only with a port for them (PROXY_METRICS_PORT), as configurable-http-proxy's --metrics-port.
  const metrics = config.metricsPort === undefined ? undefined : new ProxyMetrics();

  logger.info("loading the route table");
  await source.start(routes);
  activity.start();
  const proxy = createProxyServer({
    routes,
    authenticator,
    activity,
    webUrl: config.webUrl,
    connectTimeoutMs: config.connectTimeoutMs,
    idleTimeoutMs: config.idleTimeoutMs,
    keepAliveTimeoutMs: config.keepAliveTimeoutMs,
    maxSocketsPerTarget: config.maxSocketsPerTarget,
    trustForwarded: config.trustForwarded,
    logger,
    metrics,
  });
  proxy.server.on("error", (err) => {
    logger.fatal({ err }, "proxy server error");
    process.exit(1);
  });
  proxy.server.listen(config.port, config.listenHost, () => {
    // The bound port, not the configured one: PROXY_PORT=0 (tests) asks the OS for a free port.
    const port = (proxy.server.address() as AddressInfo).port;
    logger.info({ port, host: config.listenHost, web: config.webUrl, routes: routes.size }, "proxy ready");
  });

  let metricsServer: Server | undefined;
  if (metrics) {
    const token = shared.METRICS_TOKEN;
    if (!token) logger.warn("PROXY_METRICS_PORT is set but METRICS_TOKEN is not: the proxy's /metrics answers 404");
    metricsServer = createMetricsServer({ metrics, token, logger });
    metricsServer.on("error", (err) => {
      logger.fatal({ err }, "proxy metrics server error");
      process.exit(1);
    });
    const s = metricsServer;
    s.listen(config.metricsPort, config.listenHost, () => logger.info({ port: (s.address() as AddressInfo).port, host: config.listenHost }, "proxy metrics ready"));
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    // Stop accepting before saying so: whoever reads the line may connect at once.
    const closing = proxy.close(config.shutdownGraceMs);
    logger.info({ signal }, "proxy shutting down");
    void (async () => {
      await closing;
      if (metricsServer) {
        metricsServer.closeAllConnections();
        await new Promise((r) => metricsServer!.close(r));
      }
      await source.stop();
      await activity.stop();
      if (databaseUrl) await disconnectPrisma();
      logger.info("proxy stopped");
      process.exit(0);
    })().catch((err: unknown) => {
      logger.error({ err }, "proxy shutdown failed");
      process.exit(1);
    });
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

main().catch((err: unknown) => {
  logger.fatal({ err }, "proxy failed to start");
  process.exit(1);
});
