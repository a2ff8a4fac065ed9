import type { AgentOptions, RequestOptions } from "node:https";
import { Agent, request, type Dispatcher } from "undici";
import {
  ApiException,
  type Configuration,
  CoreV1Api,
  CustomObjectsApi,
  IsomorphicFetchHttpLibrary,
  KubeConfig,
  Observable,
  type PromiseHttpLibrary,
  ResponseContext,
  SelfDecodingBody,
  ServerConfiguration,
  createConfiguration,
  wrapHttpLibrary,
  type RequestContext,
} from "@kubernetes/client-node";
import { AppError } from "@/lib/errors/app-error";
import { env } from "@/lib/env";

/**
 * The one way into the Kubernetes API. Every request carries a timeout (an AbortSignal set by a
 * middleware) so that a hung API server turns into an UPSTREAM_UNAVAILABLE error instead of a hung
 * web request, and every ApiException is mapped by status code: its message contains the response
 * headers and body, which never reach a user.
 */

export interface KubeClients {
  kc: KubeConfig;
  core: CoreV1Api;
  custom: CustomObjectsApi;
  namespace: string;
  /** The configuration behind core and custom (timeout, shared connection pool), for other API groups' clients. */
  config: Configuration;
}

export interface KubeClientOptions {
  /** Path of a kubeconfig file; undefined means in-cluster configuration. */
  kubeconfigPath?: string | undefined;
  namespace: string;
  requestTimeoutMs: number;
  /** Most connections open to the API server at once (default KUBE_MAX_CONNECTIONS). */
  maxConnections?: number;
}

/** Connections to the API server per process: enough for a burst of spawns, few enough that a burst does not cost a TLS handshake per request. */
export const KUBE_MAX_CONNECTIONS = 16;

export function loadKubeConfig(kubeconfigPath: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (kubeconfigPath) kc.loadFromFile(kubeconfigPath);
  else kc.loadFromCluster();
  return kc;
}

/**
 * One keep-alive connection pool for every request of this KubeConfig. client-node builds a new
 * undici Agent per request, so no connection is ever reused, and an Agent opens one connection per
 * concurrent request: a burst of 100 spawns paid 200 TLS handshakes on both sides. The TLS settings
 * (CA, client certificate, skip-verify) are the same for every request — credentials travel in
 * headers — so one Agent, built from the same options client-node would use, serves them all, with
 * at most `maxConnections` sockets; further requests wait for a free one. Proxied clusters (and
 * plain http) keep client-node's own dispatcher.
 */
async function sharedDispatcher(kc: KubeConfig, maxConnections: number): Promise<Dispatcher | undefined> {
  const https: RequestOptions = {};
  await kc.applyToHTTPSOptions(https);
  const tls: AgentOptions = {};
  for (const key of ["ca", "cert", "key", "pfx", "passphrase", "rejectUnauthorized", "servername"] as const) {
    if (https[key] !== undefined) Object.assign(tls, { [key]: https[key] });
  }
  const opts = kc.createDispatcherOptions(kc.getCurrentCluster(), tls);
  if (opts.type === "agent") return new Agent({ connect: opts.connect, connections: maxConnections });
  return undefined;
}

/**
 * Sends client-node's requests with undici's `request` on the shared pool instead of WHATWG
 * `fetch`: the generated clients read the whole body as text anyway, and fetch's streams and
 * header objects cost about as much CPU per call as the rest of a spawn's cluster work.
 * Request bodies other than strings (form data, never sent by the APIs used here) go through
 * client-node's own fetch library.
 */
class PooledHttpLibrary implements PromiseHttpLibrary {
  private readonly fallback = new IsomorphicFetchHttpLibrary();
  constructor(private readonly dispatcher: (ctx: RequestContext) => Promise<Dispatcher | undefined>) {}

  async send(ctx: RequestContext): Promise<ResponseContext> {
    const body = ctx.getBody();
    const dispatcher = await this.dispatcher(ctx);
    if ((body !== undefined && typeof body !== "string") || !dispatcher) {
      if (dispatcher) ctx.setDispatcher(dispatcher);
      return this.fallback.send(ctx).toPromise();
    }
    const res = await request(ctx.getUrl(), {
      method: ctx.getHttpMethod(),
      headers: ctx.getHeaders(),
      body,
      signal: ctx.getSignal(),
      dispatcher,
    });
    const data = Buffer.from(await res.body.arrayBuffer());
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
    return new ResponseContext(res.statusCode, headers, new SelfDecodingBody(Promise.resolve(data)));
  }
}

export function makeKubeClients(opts: KubeClientOptions): KubeClients {
  const kc = loadKubeConfig(opts.kubeconfigPath);
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new AppError("UPSTREAM_UNAVAILABLE", "The cluster connection is not configured.");
  let shared: Promise<Dispatcher | undefined> | undefined;
  let fallback: Dispatcher | undefined;
  // Called per request, after client-node applied authentication (which set a new dispatcher).
  const dispatcherFor = async (ctx: RequestContext): Promise<Dispatcher | undefined> => {
    shared ??= sharedDispatcher(kc, opts.maxConnections ?? KUBE_MAX_CONNECTIONS).catch(() => {
      // Not settled for good: the next request tries again (this one keeps client-node's dispatcher).
      shared = undefined;
      return undefined;
    });
    const d = await shared;
    if (d) return d;
    fallback ??= ctx.getDispatcher();
    return fallback;
  };
  const timeout = {
    pre: async (ctx: RequestContext) => {
      ctx.setSignal(AbortSignal.timeout(opts.requestTimeoutMs));
      return ctx;
    },
    post: async (ctx: ResponseContext) => ctx,
  };
  const config = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kc },
    promiseMiddleware: [timeout],
    httpApi: wrapHttpLibrary(new PooledHttpLibrary(dispatcherFor)),
  });
  return { kc, core: new CoreV1Api(config), custom: new CustomObjectsApi(config), namespace: opts.namespace, config };
}

let cached: KubeClients | undefined;

/** The process-wide clients, configured from lib/env (KUBECONFIG, KUBE_NAMESPACE, KUBE_REQUEST_TIMEOUT_MS). */
export function kube(): KubeClients {
  if (!cached) {
    const e = env();
    cached = makeKubeClients({
      kubeconfigPath: e.KUBECONFIG,
      namespace: e.KUBE_NAMESPACE,
      requestTimeoutMs: e.KUBE_REQUEST_TIMEOUT_MS,
    });
  }
  return cached;
}

export function kubeStatus(e: unknown): number | undefined {
  return e instanceof ApiException ? (e.code as number) : undefined;
}

export function isNotFound(e: unknown): boolean {
  return kubeStatus(e) === 404;
}

export function isConflict(e: unknown): boolean {
  return kubeStatus(e) === 409;
}

/** The `message` of a Kubernetes Status body, which is written for operators but safe to show (no headers). */
function statusMessage(e: ApiException<unknown>): string | undefined {
  const body = typeof e.body === "string" ? safeJson(e.body) : e.body;
  if (body && typeof body === "object" && "message" in body && typeof body.message === "string") return body.message;
  return undefined;
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/**
 * Maps any error from a client-node call to an AppError. `what` names the operation in words a
 * user understands ("creating the session pod"). The original error is kept as `cause` for logs.
 */
export function toAppError(e: unknown, what: string): AppError {
  if (e instanceof AppError) return e;
  if (e instanceof ApiException) {
    const status = e.code as number;
    const detail = statusMessage(e);
    switch (status) {
      case 400:
      case 422:
        return new AppError("INVALID", `The cluster refused ${what}${detail ? `: ${detail}` : "."}`, undefined, { cause: e });
      case 401:
      case 403:
        return new AppError("UPSTREAM_UNAVAILABLE", `AI Hub is not allowed to do this in the cluster (${what}).`, undefined, { cause: e });
      case 404:
        return new AppError("NOT_FOUND", `Not found in the cluster (${what}).`, undefined, { cause: e });
      case 409:
        return new AppError("CONFLICT", `Conflict in the cluster while ${what}.`, undefined, { cause: e });
      case 429:
        return new AppError("RATE_LIMITED", `The cluster is busy; try again (${what}).`, undefined, { cause: e });
      default:
        return new AppError("UPSTREAM_UNAVAILABLE", `The cluster did not answer correctly while ${what} (HTTP ${status}).`, undefined, { cause: e });
    }
  }
  const name = e instanceof Error ? e.name : "";
  if (name === "TimeoutError" || name === "AbortError") {
    return new AppError("UPSTREAM_UNAVAILABLE", `The cluster did not answer in time while ${what}.`, undefined, { cause: e });
  }
  return new AppError("UPSTREAM_UNAVAILABLE", `The cluster could not be reached while ${what}.`, undefined, { cause: e });
}

/**
 * Per-call options that replace a path fragment of the request URL, for API paths the generated
 * client cannot express (subresources of custom objects such as Kueue's pendingworkloads).
 */
export function rewritePath(from: string, to: string) {
  return {
    middlewareMergeStrategy: "append" as const,
    // The object-parameter API passes per-call options to the Observable API: observable middleware.
    middleware: [
      {
        pre: (ctx: RequestContext) => {
          const url = new URL(ctx.getUrl());
          url.pathname = url.pathname.replace(from, to);
          ctx.setUrl(url.toString());
          return new Observable(Promise.resolve(ctx));
        },
        post: (ctx: ResponseContext) => new Observable(Promise.resolve(ctx)),
      },
    ],
  };
}
