/**
 * The front door: `/user/<username>/<session>/…` to that session's pod after checking that the
 * caller owns it, everything else to the Next.js server. Decisions are made in this order, so
 * that nothing about another user's sessions leaks: path → identity → username → route → owner
 * → state. A cached identity and a route lookup are synchronous; the only await on the hot path is
 * a credential seen for the first time in a TTL.
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import type { ActivitySink } from "./activity";
import type { Authenticator, Credentials } from "./authenticator";
import { hasRequestBody, upstreamRequestHeaders } from "./forward-headers";
import { forwardHttp, type FailureHandler, type TransportOptions, type Upstream } from "./http-forward";
import type { ProxyMetrics } from "./metrics";
import { describeUpstreamError, pages, type Page } from "./pages";
import { forwardToPod, PodPool } from "./pod-client";
import { classifyPath } from "./request-path";
import { createUpstreamPool } from "./upstream-agent";
import type { Route, RouteTable } from "./route-table";
import { forwardUpgrade, writeRawResponse } from "./ws-forward";

export interface ProxyOptions {
  routes: RouteTable;
  authenticator: Authenticator;
  activity?: ActivitySink;
  /** The Next.js server, e.g. http://127.0.0.1:3001. */
  webUrl: string;
  connectTimeoutMs?: number;
  idleTimeoutMs?: number;
  /** How long an idle client keep-alive connection is kept. */
  keepAliveTimeoutMs?: number;
  /** Upstream sockets per target (per pod, and to Next.js). */
  maxSocketsPerTarget?: number;
  /** Keep X-Forwarded-Proto/Host set by a trusted ingress in front of the proxy. */
  trustForwarded?: boolean;
  signinPath?: string;
  sessionsPath?: string;
  spawnPath?: string;
  logger?: Pick<Logger, "warn" | "error" | "info">;
  /** Request, latency and WebSocket counts (proxy/metrics.ts); absent: nothing is measured. */
  metrics?: ProxyMetrics;
}

export interface ProxyServer {
  server: http.Server;
  /** Stops accepting, lets in-flight exchanges finish up to `graceMs`, then cuts the rest. */
  close(graceMs: number): Promise<void>;
}

export function createProxyServer(o: ProxyOptions): ProxyServer {
  const metrics = o.metrics;
  metrics?.trackRoutes(o.routes);
  const transport: TransportOptions = { connectTimeoutMs: o.connectTimeoutMs ?? 5_000, idleTimeoutMs: o.idleTimeoutMs ?? 300_000, metrics };
  const trustForwarded = o.trustForwarded ?? false;
  const signinPath = o.signinPath ?? "/signin";
  const sessionsPath = o.sessionsPath ?? "/sessions";
  const spawnPath = o.spawnPath ?? "/sessions/new";
  const maxSockets = o.maxSocketsPerTarget ?? 256;
  const web = new URL(o.webUrl);
  const newUpstream = (host: string, port: number): Upstream => ({
    host,
    port,
    pool: createUpstreamPool({ host, port, maxSockets, connectTimeoutMs: transport.connectTimeoutMs, idleTimeoutMs: transport.idleTimeoutMs }),
  });
  // URL.hostname keeps an IPv6 literal's brackets; the pool and net want the bare address.
  const webUpstream = newUpstream(web.hostname.replace(/^\[(.*)\]$/, "$1"), Number(web.port || 80));
  const webFallbackHost = web.host;

  // Pools per pod address (undici for requests with a body, pod-client for the rest), looked up
  // through the route's target object (no key string per request).
  type PodUpstream = Upstream & { pod: PodPool };
  const upstreamsByAddress = new Map<string, PodUpstream>();
  const upstreamByTarget = new WeakMap<Route["target"], PodUpstream>();
  function podUpstream(target: Route["target"]): PodUpstream {
    let u = upstreamByTarget.get(target);
    if (u === undefined) {
      const key = `${target.host}:${target.port}`;
      u = upstreamsByAddress.get(key);
      if (u === undefined) {
        const pod = new PodPool({ host: target.host, port: target.port, maxSockets, connectTimeoutMs: transport.connectTimeoutMs, idleTimeoutMs: transport.idleTimeoutMs });
        upstreamsByAddress.set(key, (u = { ...newUpstream(target.host, target.port), pod }));
      }
      upstreamByTarget.set(target, u);
    }
    return u;
  }
  const unsubscribe = o.routes.onChange(() => {
    // Drop pools of addresses no route uses any more (pods come and go).
    const live = new Set(o.routes.all().map((r) => `${r.target.host}:${r.target.port}`));
    for (const [key, upstream] of upstreamsByAddress) {
      if (!live.has(key)) {
        void upstream.pool.destroy().catch(() => undefined);
        void upstream.pod.destroy();
        upstreamsByAddress.delete(key);
      }
    }
  });

  const tunnels = new Set<Duplex>();

  function send(req: IncomingMessage, res: ServerResponse, p: Page, code: string): void {
    metrics?.response(req, p.status);
    if (wantsHtml(req)) {
      res.writeHead(p.status, p.headers);
      res.end(p.body);
    } else {
      const title = /<h1>(.*?)<\/h1>/.exec(p.body)?.[1] ?? "";
      res.writeHead(p.status, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify({ error: { code, message: title } }));
    }
  }

  function redirect(req: IncomingMessage, res: ServerResponse, location: string): void {
    metrics?.response(req, 302);
    res.writeHead(302, { location, "cache-control": "no-store", "content-length": "0" });
    res.end();
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    metrics?.start(req);
    const url = req.url ?? "/";
    if (url === "/_proxy/health") {
      metrics?.response(req, 200);
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify({ status: "ok", routes: o.routes.size }));
      return;
    }
    const d = classifyPath(url);
    switch (d.kind) {
      case "web": {
        const headers = upstreamRequestHeaders(req, { upgrade: false, trustForwarded, fallbackHost: webFallbackHost });
        forwardHttp(req, res, webUpstream, headers, transport, (err) => {
          o.logger?.warn({ err: err.code ?? err.message, url }, "web upstream failed");
          send(req, res, pages.webUnavailable(describeUpstreamError(err)), "UPSTREAM_UNAVAILABLE");
        });
        return;
      }
      case "bad":
        return send(req, res, pages.badRequest(d.reason), "INVALID");
      case "add-slash":
        return redirect(req, res, d.location);
      case "session-list":
        return redirect(req, res, sessionsPath);
      case "session": {
        const creds = o.authenticator.resolve(req.headers);
        if (creds instanceof Promise) {
          creds.then(
            (c) => toSession(req, res, d.username, d.sessionName, d.rest, c),
            (err: unknown) => {
              o.logger?.error({ err }, "authentication failed unexpectedly");
              res.destroy();
            },
          );
        } else toSession(req, res, d.username, d.sessionName, d.rest, creds);
      }
    }
  }

  function toSession(req: IncomingMessage, res: ServerResponse, username: string, sessionName: string, rest: number, c: Credentials): void {
    const identity = c.identity;
    if (identity === null) {
      if (wantsHtml(req)) return redirect(req, res, `${signinPath}?callbackUrl=${encodeURIComponent(req.url ?? "/")}`);
      metrics?.response(req, 401);
      res.writeHead(401, { "content-type": "application/json", "cache-control": "no-store", "www-authenticate": "Bearer" });
      res.end('{"error":{"code":"UNAUTHENTICATED","message":"Sign in, or send an API token with the sessions scope."}}');
      return;
    }
    if (identity.username !== username) return send(req, res, pages.forbidden(), "FORBIDDEN");
    const route = o.routes.get(username, sessionName);
    if (route === undefined || route.state === "stopped") return send(req, res, pages.notFound(spawnPath, sessionName), "NOT_FOUND");
    if (route.ownerId !== identity.userId) return send(req, res, pages.forbidden(), "FORBIDDEN");
    // A route without a pod address yet is starting, whatever its state says (never dial "").
    if (route.state === "starting" || route.target.host === "") return send(req, res, pages.starting(sessionName), "UPSTREAM_UNAVAILABLE");
    o.activity?.record(route.sessionId);
    // code-server-style pods get the path under the session prefix; the forwarders read req.url.
    if (route.stripPrefix) req.url = req.url!.slice(rest);
    const upstream = podUpstream(route.target);
    const headers = upstreamRequestHeaders(req, {
      upgrade: false,
      trustForwarded,
      fallbackHost: webFallbackHost,
      podToken: route.token,
      podCookie: c.forwardCookie,
    });
    const onFailure = podFailure(req, res, route.sessionId);
    // Without a body, our own HTTP/1.1 client (a token it could not write verbatim goes to undici,
    // which refuses it); uploads stream through undici.
    if (!hasRequestBody(req) && HEADER_SAFE.test(route.token)) forwardToPod(req, res, upstream.pod, headers, onFailure, metrics);
    else forwardHttp(req, res, upstream, headers, transport, onFailure);
  }

  /** A factory, so that the handler is an anonymous function (tsx names `const f = () => …` per call). */
  function podFailure(req: IncomingMessage, res: ServerResponse, sessionId: string): FailureHandler {
    return (err) => {
      o.logger?.warn({ sessionId, err: err.code ?? err.message }, "session upstream failed");
      send(req, res, pages.unreachable(describeUpstreamError(err)), "UPSTREAM_UNAVAILABLE");
    };
  }

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on("error", () => socket.destroy());
    const url = req.url ?? "/";
    if (req.method !== "GET" || !/websocket/i.test(req.headers.upgrade ?? "")) return writeRawResponse(socket, 400, "Only WebSocket upgrades are supported.\n");
    const d = classifyPath(url);
    const track = (a: Duplex, b: Duplex) => {
      tunnels.add(a);
      tunnels.add(b);
      a.once("close", () => tunnels.delete(a));
      b.once("close", () => tunnels.delete(b));
      if (metrics) {
        metrics.websocketOpened();
        a.once("close", metrics.websocketClosed);
      }
    };
    if (d.kind === "web") {
      const headers = upstreamRequestHeaders(req, { upgrade: true, trustForwarded, fallbackHost: webFallbackHost });
      return forwardUpgrade(req, socket, head, webUpstream, headers, {
        connectTimeoutMs: transport.connectTimeoutMs,
        onData: metrics?.websocketData,
        track,
        onFailure: (err) => writeRawResponse(socket, 502, `The portal could not be reached: ${describeUpstreamError(err)}.\n`),
      });
    }
    if (d.kind !== "session") return writeRawResponse(socket, d.kind === "bad" ? 400 : 404, d.kind === "bad" ? d.reason + "\n" : "Not a session URL.\n");
    const go = (c: Credentials) => {
      const identity = c.identity;
      if (identity === null) return writeRawResponse(socket, 401, "Sign in first.\n");
      if (identity.username !== d.username) return writeRawResponse(socket, 403, "This session belongs to another user.\n");
      const route = o.routes.get(d.username, d.sessionName);
      if (route === undefined || route.state === "stopped") return writeRawResponse(socket, 404, "The session is not running.\n");
      if (route.ownerId !== identity.userId) return writeRawResponse(socket, 403, "This session belongs to another user.\n");
      if (route.state === "starting" || route.target.host === "") return writeRawResponse(socket, 503, "The session is starting.\n");
      const activity = o.activity;
      const sessionId = route.sessionId;
      activity?.record(sessionId);
      if (route.stripPrefix) req.url = url.slice(d.rest);
      const headers = upstreamRequestHeaders(req, { upgrade: true, trustForwarded, fallbackHost: webFallbackHost, podToken: route.token, podCookie: c.forwardCookie });
      forwardUpgrade(req, socket, head, route.target, headers, {
        connectTimeoutMs: transport.connectTimeoutMs,
        onData: activity || metrics ? () => (activity?.record(sessionId), metrics?.websocketData()) : undefined,
        track,
        onFailure: (err) => {
          o.logger?.warn({ sessionId, err: err.code ?? err.message }, "session upstream failed (websocket)");
          writeRawResponse(socket, 502, `AI Hub could not reach this session: ${describeUpstreamError(err)}.\n`);
        },
      });
    };
    const creds = o.authenticator.resolve(req.headers);
    if (creds instanceof Promise) creds.then(go, () => socket.destroy());
    else go(creds);
  }

  const server = http.createServer({ noDelay: true, requestTimeout: 0, keepAliveTimeout: o.keepAliveTimeoutMs ?? 65_000 }, onRequest);
  server.on("upgrade", onUpgrade);
  // Multi-GB uploads and long polls must not be cut by a whole-request deadline; idle sockets are.
  server.headersTimeout = 60_000;

  async function close(graceMs: number): Promise<void> {
    unsubscribe();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const timer = setTimeout(() => {
      server.closeAllConnections();
      for (const s of tunnels) s.destroy();
    }, graceMs);
    // Open WebSockets have no natural end: they are closed at the deadline, not awaited.
    await closed;
    clearTimeout(timer);
    for (const s of tunnels) s.destroy();
    await Promise.allSettled([webUpstream, ...upstreamsByAddress.values()].map((u) => u.pool.destroy()));
    await Promise.allSettled([...upstreamsByAddress.values()].map((u) => u.pod.destroy()));
  }

  return { server, close };
}

/** Visible ASCII only: a value that can go into a request head as is. */
const HEADER_SAFE = /^[\x21-\x7e]*$/;

function wantsHtml(req: IncomingMessage): boolean {
  const accept = req.headers.accept;
  return accept !== undefined && accept.includes("text/html");
}
