import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer } from "node:https";
import { timingSafeEqual } from "node:crypto";
import type { MemoryStore } from "../store/memory-store";
import { groupResource } from "../store/memory-store";
import { ApiError, type PodLogs, type RouteHandler } from "../store/types";
import type { SimLogger } from "../log";
import { apiGroupDoc, apiGroupList, apiResourceList, apiVersions, versionInfo } from "./discovery";
import { sendError, sendJson } from "./http-util";
import { openApiDocument, openApiIndex } from "./openapi";
import { bindPod, evictPod, podLog } from "./pod-subresources";
import { createItem, deleteCollection, deleteItem, getItem, listCollection, patchItem, replaceItem, type RequestContext, type Target } from "./rest-handlers";

export interface ApiServerOptions {
  store: MemoryStore;
  logs: PodLogs;
  token: string;
  now: () => number;
  log: SimLogger;
  /** TLS key and certificate (PEM) the server presents. */
  tls: { key: string; cert: string };
}

export interface ApiServer {
  server: Server;
  registerRoute(method: string, path: string, handler: RouteHandler): void;
  /** Requests served so far (for the benchmark's requests/s). */
  readonly requestCount: number;
  /** Open watch and log-follow streams. */
  readonly openStreams: number;
  /** Ends every open watch, as an API server restart does (clients re-watch, maybe into a 410). */
  closeWatches(): void;
}

const notFound = () => new ApiError(404, "NotFound", "the server could not find the requested resource");
const methodNotAllowed = () => new ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");

/** Resolves `/api/v1/...` and `/apis/<group>/<version>/...` to a resource, namespace, name and subresource. */
function resolve(store: MemoryStore, group: string, version: string, rest: string[]): Target {
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3 && !(rest.length === 3 && ["status", "finalize"].includes(rest[2]!) && group === "")) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length === 0 || rest.length > 3) throw notFound();
  const def = store.resources().find((d) => d.group === group && d.version === version && d.plural === rest[0]);
  if (!def || (namespace !== undefined && !def.namespaced)) throw notFound();
  const sub = rest[2];
  if (sub !== undefined && !(def.subresources ?? []).includes(sub)) throw notFound();
  return { def, gr: groupResource(def), namespace: def.namespaced ? namespace : undefined, name: rest[1], sub };
}

function authorized(req: IncomingMessage, token: string): boolean {
  const h = req.headers.authorization ?? "";
  const m = /^Bearer\s+(.+)$/i.exec(h);
  if (!m) return false;
  const a = Buffer.from(m[1]!.trim());
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function createApiServer(opts: ApiServerOptions): ApiServer {
  const { store, logs, token, now, log } = opts;
  const routes = new Map<string, RouteHandler>();
  let requestCount = 0;
  let openStreams = 0;
  const watchClosers = new Set<() => void>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    requestCount++;
    const url = new URL(req.url ?? "/", "http://sim.local");
    const path = url.pathname.replace(/\/+$/, "") || "/";
    const method = req.method ?? "GET";
    const extra = routes.get(`${method} ${path}`);
    if (extra) return extra(req, res);
    if (["/healthz", "/livez", "/readyz"].includes(path)) {
      res.writeHead(200, { "Content-Type": "text/plain" }).end("ok");
      return;
    }
    if (!authorized(req, token)) {
      sendJson(res, 401, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "Unauthorized", reason: "Unauthorized", code: 401 });
      return;
    }
    let segs: string[];
    try {
      segs = path.split("/").filter(Boolean).map(decodeURIComponent);
    } catch {
      throw new ApiError(400, "BadRequest", `malformed path: ${path}`);
    }
    const defs = store.resources();
    if (method === "GET") {
      if (path === "/version") return sendJson(res, 200, versionInfo);
      if (path === "/api") return sendJson(res, 200, apiVersions(req.headers.host ?? "127.0.0.1"));
      if (path === "/apis") return sendJson(res, 200, apiGroupList(defs));
      if (path === "/openapi/v3") return sendJson(res, 200, openApiIndex(defs));
      if (segs[0] === "openapi" && segs[1] === "v3") {
        const doc = openApiDocument(segs.slice(2).join("/"), defs);
        if (!doc) throw notFound();
        return sendJson(res, 200, doc);
      }
      if (segs[0] === "api" && segs.length === 2) return sendJson(res, 200, apiResourceList("", segs[1]!, defs) ?? fail(notFound()));
      if (segs[0] === "apis" && segs.length === 2) return sendJson(res, 200, apiGroupDoc(segs[1]!, defs) ?? fail(notFound()));
      if (segs[0] === "apis" && segs.length === 3) return sendJson(res, 200, apiResourceList(segs[1]!, segs[2]!, defs) ?? fail(notFound()));
    }
    let target: Target;
    if (segs[0] === "api" && segs.length > 2) target = resolve(store, "", segs[1]!, segs.slice(2));
    else if (segs[0] === "apis" && segs.length > 3) target = resolve(store, segs[1]!, segs[2]!, segs.slice(3));
    else throw notFound();

    let streaming = false;
    const c: RequestContext = {
      req, res, query: url.searchParams, store, now,
      onStreamEnd: () => {
        if (streaming) openStreams--;
        streaming = false;
      },
    };
    const stream = () => {
      streaming = true;
      openStreams++;
    };
    const t = target;
    if (!t.name) {
      if (method === "GET") {
        if (c.query.get("watch") === "true" || c.query.get("watch") === "1") {
          stream();
          const close = () => res.end();
          watchClosers.add(close);
          res.on("close", () => watchClosers.delete(close));
        }
        return listCollection(c, t);
      }
      if (method === "POST") return createItem(c, t);
      if (method === "DELETE") return deleteCollection(c, t);
      throw methodNotAllowed();
    }
    if (!t.sub) {
      if (method === "GET") return getItem(c, t);
      if (method === "PUT") return replaceItem(c, t);
      if (method === "PATCH") return patchItem(c, t);
      if (method === "DELETE") return deleteItem(c, t);
      throw methodNotAllowed();
    }
    if (t.sub === "status") {
      if (method === "GET") return getItem(c, t);
      if (method === "PUT") return replaceItem(c, t);
      if (method === "PATCH") return patchItem(c, t);
      throw methodNotAllowed();
    }
    if (t.gr === "pods" && t.sub === "log" && method === "GET") {
      stream();
      try {
        return podLog(c, t, logs);
      } finally {
        if (res.writableEnded) c.onStreamEnd();
      }
    }
    if (t.gr === "pods" && t.sub === "binding" && method === "POST") return bindPod(c, t);
    if (t.gr === "pods" && t.sub === "eviction" && method === "POST") return evictPod(c, t);
    if (t.gr === "namespaces" && t.sub === "finalize" && method === "PUT") return replaceItem(c, { ...t, sub: undefined });
    throw methodNotAllowed();
  }

  const server = createServer({ key: opts.tls.key, cert: opts.tls.cert }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!(err instanceof ApiError)) log.error("request failed", { method: req.method, url: req.url, err: err instanceof Error ? err.stack : String(err) });
      // Drain the body so the client sees the answer instead of a reset connection.
      req.resume();
      sendError(res, err);
    });
  });
  // Short, as Node's default: clients that open a TLS connection per request (client-node does)
  // would otherwise keep hundreds of idle sockets, and their buffers, alive.
  server.keepAliveTimeout = 5_000;
  return {
    server,
    registerRoute: (method, path, handler) => routes.set(`${method.toUpperCase()} ${path}`, handler),
    get requestCount() {
      return requestCount;
    },
    get openStreams() {
      return openStreams;
    },
    closeWatches: () => {
      for (const close of [...watchClosers]) close();
    },
  };
}

function fail(e: ApiError): never {
  throw e;
}
