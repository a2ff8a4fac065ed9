/**
 * Real sockets for the proxy's tests: recording backends (HTTP + WebSocket echo), a proxy wired
 * with the real cookie decoder, and genuine next-auth cookies.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { encode } from "next-auth/jwt";
import { WebSocketServer } from "ws";
import { decodeSessionCookie } from "@/lib/auth/session-cookie";
import { ActivitySink } from "./activity";
import { Authenticator, type AuthenticatorOptions } from "./authenticator";
import { RouteTable, StaticRouteSource, type Route } from "./route-table";
import { createProxyServer, type ProxyOptions } from "./server";

export const SECRET = "test-secret-for-the-proxy-tests-0123456789abcdef";

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

export interface Backend {
  name: string;
  port: number;
  seen: SeenRequest[];
  wsMessages: number;
  /** Resolves when the upload handler saw its first chunk. */
  firstUploadChunk: Promise<void>;
  /** Upload bytes the pod has received so far (live, across uploads). */
  uploadReceived(): number;
  server: http.Server;
  close(): Promise<void>;
}

export async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

/** A pod stand-in: records every request, echoes headers, streams SSE, counts uploads, resets. */
export async function startBackend(name: string): Promise<Backend> {
  const seen: SeenRequest[] = [];
  let firstChunk!: () => void;
  const firstUploadChunk = new Promise<void>((r) => (firstChunk = r));
  let uploadReceived = 0;
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    const path = (req.url ?? "").replace(/^\/user\/[^/]+\/[^/]+/, "");
    if (path.startsWith("/sse")) {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store" });
      let n = 0;
      const timer = setInterval(() => {
        res.write(`data: event ${n}\n\n`);
        if (++n === 3) {
          clearInterval(timer);
          res.end();
        }
      }, 300);
      res.on("close", () => clearInterval(timer));
      return;
    }
    if (path.startsWith("/upload")) {
      let bytes = 0;
      req.on("data", (c: Buffer) => {
        if (bytes === 0) firstChunk();
        bytes += c.length;
        uploadReceived += c.length;
      });
      req.on("end", () => res.end(JSON.stringify({ bytes })));
      return;
    }
    if (path.startsWith("/reset-early")) {
      req.socket.destroy();
      return;
    }
    if (path.startsWith("/reset")) {
      res.writeHead(200, { "content-type": "text/plain", "content-length": "1000" });
      res.write("partial");
      setTimeout(() => res.socket?.destroy(), 20);
      return;
    }
    req.resume();
    res.writeHead(200, { "content-type": "application/json", connection: "keep-alive", "keep-alive": "timeout=5", "x-backend": name });
    res.end(JSON.stringify({ backend: name, url: req.url, headers: req.headers }));
  });
  const wss = new WebSocketServer({ server });
  const backend: Backend = {
    name,
    port: 0,
    seen,
    wsMessages: 0,
    firstUploadChunk,
    uploadReceived: () => uploadReceived,
    server,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  wss.on("connection", (ws, req) => {
    seen.push({ method: "WS", url: req.url ?? "", headers: req.headers });
    ws.on("message", (data, isBinary) => {
      backend.wsMessages++;
      ws.send(isBinary ? data : `${name}:${String(data)}`, { binary: isBinary });
    });
  });
  backend.port = await listen(server);
  return backend;
}

export async function cookieFor(user: { id: string; username: string; roles?: string[] }, maxAgeSeconds = 3600): Promise<string> {
  const value = await encode({
    secret: SECRET,
    maxAge: maxAgeSeconds,
    token: { sub: user.id, uid: user.id, username: user.username, groups: [], roles: user.roles ?? ["researcher"] },
  });
  return `next-auth.session-token=${value}`;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request exactly as written (fetch would normalise `..` away), on a fresh connection. */
export function rawRequest(port: number, path: string, headers: Record<string, string> = {}, method = "GET"): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

export function route(username: string, sessionName: string, port: number, extra: Partial<Route> = {}): Route {
  return {
    username,
    sessionName,
    sessionId: `${username}-${sessionName}-id`,
    ownerId: `${username}-id`,
    target: { host: "127.0.0.1", port },
    token: `pod-token-${username}-${sessionName}`,
    state: "ready",
    ...extra,
  };
}

export interface RunningProxy {
  url: string;
  port: number;
  table: RouteTable;
  source: StaticRouteSource;
  activity: ActivitySink;
  flushed: Map<string, Date>[];
  close(): Promise<void>;
}

export async function startProxy(routes: Route[], web: { port: number }, extra: Partial<ProxyOptions> & { activityIntervalMs?: number; auth?: Partial<AuthenticatorOptions> } = {}): Promise<RunningProxy> {
  const table = new RouteTable();
  const source = new StaticRouteSource(routes);
  await source.start(table);
  const flushed: Map<string, Date>[] = [];
  const activity = new ActivitySink({ intervalMs: extra.activityIntervalMs ?? 60_000, flush: async (b) => void flushed.push(b) });
  activity.start();
  const authenticator = new Authenticator({ decodeCookie: (v) => decodeSessionCookie(v, SECRET), ...extra.auth });
  const proxy = createProxyServer({ routes: table, authenticator, activity, webUrl: `http://127.0.0.1:${web.port}`, ...extra });
  const port = await listen(proxy.server);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    table,
    source,
    activity,
    flushed,
    close: async () => {
      await activity.stop();
      await proxy.close(100);
    },
  };
}
