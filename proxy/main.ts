/**
 * `npm run proxy`: the proxy process. Reads its configuration from lib/env (PROXY_*, see
 * proxy/config.ts), builds the route table from PostgreSQL (LISTEN/NOTIFY) when DATABASE_URL is
 * set, and serves on PROXY_PORT. Logs carry `service: "proxy"` through AI_HUB_SERVICE (npm script).
 * SIGTERM/SIGINT: stop accepting, let in-flight exchanges finish up to PROXY_SHUTDOWN_GRACE_MS,
 * flush activity, exit.
 */
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

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "proxy shutting down");
    void (async () => {
      await proxy.close(config.shutdownGraceMs);
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
