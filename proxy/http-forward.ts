/**
 * One HTTP exchange relayed to an upstream through its undici pool: request and response bodies
 * stream through (never buffered; the upstream is paused while the client's socket is full), and
 * every failure ends only the exchange it belongs to — a 502 page when nothing was sent yet,
 * otherwise that client's socket is destroyed so a truncated body can never pass for a complete
 * one. One `Exchange` object per request carries the state; its methods are the undici handler,
 * so the hot path allocates no closures.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { Dispatcher } from "undici";
import { downstreamHeaders, hasRequestBody } from "./forward-headers";
import type { ProxyMetrics } from "./metrics";

export interface Upstream {
  host: string;
  port: number;
  pool: Dispatcher;
}

export interface TransportOptions {
  connectTimeoutMs: number;
  /** Inactivity on an upstream connection during an exchange; 0 disables. */
  idleTimeoutMs: number;
  /** Told when response headers are written. */
  metrics?: ProxyMetrics;
}

/** Called when the exchange failed before any response byte reached the client. */
export type FailureHandler = (err: NodeJS.ErrnoException) => void;

export function timeoutError(code: "ECONNECT_TIMEOUT" | "ETIMEDOUT", message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

/** Starts a connect-timeout timer when the request got a fresh (still connecting) socket. */
export function armConnectTimeout(upReq: http.ClientRequest, ms: number): void {
  upReq.once("socket", (socket) => {
    if (!socket.connecting || ms <= 0) return;
    const timer = setTimeout(() => upReq.destroy(timeoutError("ECONNECT_TIMEOUT", "connect timeout")), ms);
    socket.once("connect", () => clearTimeout(timer));
    upReq.once("close", () => clearTimeout(timer));
  });
}

/** undici's error codes in the vocabulary of the failure pages (pages.ts) and the logs. */
const ERROR_CODES: Record<string, string> = {
  UND_ERR_SOCKET: "ECONNRESET",
  UND_ERR_CONNECT_TIMEOUT: "ECONNECT_TIMEOUT",
  UND_ERR_HEADERS_TIMEOUT: "ETIMEDOUT",
  UND_ERR_BODY_TIMEOUT: "ETIMEDOUT",
};

function normalize(err: Error): NodeJS.ErrnoException {
  const e = err as NodeJS.ErrnoException;
  const mapped = e.code === undefined ? undefined : ERROR_CODES[e.code];
  return mapped === undefined ? e : Object.assign(new Error(e.message), { code: mapped, cause: e });
}

/** Methods a request may be repeated with, when a pooled socket closed as it was reused. */
const RETRYABLE = new Set(["GET", "HEAD", "OPTIONS"]);

const kExchange = Symbol("exchange");
type WithExchange = ServerResponse & { [kExchange]?: Exchange };

/** `this` is the ServerResponse (EventEmitter calls listeners so): one shared function, no closure. */
function onClientClose(this: WithExchange): void {
  const ex = this[kExchange];
  // The client went away before the exchange completed: the upstream exchange is cut.
  if (ex !== undefined && !this.writableFinished) ex.controller?.abort(new Error("client closed"));
}

function onClientDrain(this: WithExchange): void {
  this[kExchange]?.controller?.resume();
}

class Exchange implements Dispatcher.DispatchHandler {
  controller: Dispatcher.DispatchController | undefined;
  /** Body bytes still expected (content-length), or -1 when the length is unknown. */
  private remaining = -1;
  private started = false;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: WithExchange,
    private readonly upstream: Upstream,
    private readonly headers: string[],
    private readonly onFailure: FailureHandler,
    private readonly mayRetry: boolean,
    private readonly metrics: ProxyMetrics | undefined,
  ) {}

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.res.destroyed) controller.abort(new Error("client closed"));
  }

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    if (statusCode < 200) return; // 100/103 interim answers are not relayed
    const res = this.res;
    // Upstream header values Node refuses to write (invalid characters) throw here: undici then
    // aborts the exchange and onResponseError answers 502, since nothing was sent.
    res.writeHead(statusCode, statusMessage, downstreamHeaders(headers));
    this.started = true;
    this.metrics?.response(this.req, statusCode);
    const length = headers["content-length"];
    if (length === undefined) {
      // Streams without a length (SSE, chunked) get their headers at once; sized bodies ride with them.
      res.flushHeaders();
    } else if (this.req.method !== "HEAD" && statusCode !== 204 && statusCode !== 304) {
      this.remaining = Number(length);
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const res = this.res;
    if (this.remaining !== -1 && (this.remaining -= chunk.length) <= 0) {
      // The whole (sized) body is here: headers and body leave in one write, without waiting for end.
      res.end(chunk);
      return;
    }
    if (!res.write(chunk)) {
      controller.pause();
      res.once("drain", onClientDrain);
    }
  }

  onResponseEnd(): void {
    const res = this.res;
    res[kExchange] = undefined;
    if (!res.writableEnded) res.end();
  }

  onResponseError(_c: Dispatcher.DispatchController | null, error: Error): void {
    const res = this.res;
    res[kExchange] = undefined;
    if (this.started || res.headersSent) {
      res.destroy();
      return;
    }
    if (res.destroyed) return;
    const err = normalize(error);
    // A pooled socket closed by the upstream just as it was reused: safe to repeat once without a body.
    if (this.mayRetry && err.code === "ECONNRESET" && RETRYABLE.has(this.req.method ?? "") && !hasRequestBody(this.req)) {
      dispatch(this.req, res, this.upstream, this.headers, this.onFailure, false, this.metrics);
      return;
    }
    this.onFailure(err);
  }
}

function dispatch(req: IncomingMessage, res: WithExchange, upstream: Upstream, headers: string[], onFailure: FailureHandler, mayRetry: boolean, metrics: ProxyMetrics | undefined): void {
  const ex = new Exchange(req, res, upstream, headers, onFailure, mayRetry, metrics);
  res[kExchange] = ex;
  upstream.pool.dispatch({ path: req.url ?? "/", method: req.method ?? "GET", headers, body: hasRequestBody(req) ? req : null }, ex);
}

export function forwardHttp(req: IncomingMessage, res: ServerResponse, upstream: Upstream, headers: string[], options: TransportOptions, onFailure: FailureHandler): void {
  // The client may have left while its credentials were being verified.
  if (res.destroyed) return;
  // `on`, not `once`: a response closes once, and `once` would allocate a wrapper per request.
  res.on("close", onClientClose);
  dispatch(req, res, upstream, headers, onFailure, true, options.metrics);
}
