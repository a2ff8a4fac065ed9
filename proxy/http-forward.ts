/**
 * One HTTP exchange relayed to an upstream: request and response bodies stream through (never
 * buffered), upstream sockets come from a keep-alive pool per target, and every failure ends only
 * the exchange it belongs to — a 502 page when nothing was sent yet, otherwise that client's
 * socket is destroyed so a truncated body can never be mistaken for a complete one.
 */
import http, { type Agent, type IncomingMessage, type ServerResponse } from "node:http";
import { pipeline } from "node:stream";
import { downstreamResponseHeaders, hasRequestBody } from "./forward-headers";

export interface Upstream {
  host: string;
  port: number;
  agent: Agent;
}

export interface TransportOptions {
  connectTimeoutMs: number;
  /** Inactivity on an upstream connection during an exchange; 0 disables. */
  idleTimeoutMs: number;
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

export function forwardHttp(
  req: IncomingMessage,
  res: ServerResponse,
  upstream: Upstream,
  headers: string[],
  options: TransportOptions,
  onFailure: FailureHandler,
  mayRetry = true,
): void {
  // The client may have left while its credentials were being verified.
  if (res.destroyed) return;
  const withBody = hasRequestBody(req);
  // The connect timeout is armed by the upstream agent when it opens a socket (upstream-agent.ts).
  const upReq = http.request({
    host: upstream.host,
    port: upstream.port,
    method: req.method,
    path: req.url,
    headers,
    agent: upstream.agent,
    setHost: false,
  });
  if (options.idleTimeoutMs > 0) {
    upReq.setTimeout(options.idleTimeoutMs, () => upReq.destroy(timeoutError("ETIMEDOUT", "upstream idle timeout")));
  }

  const onClientClose = () => {
    // The client went away (or the exchange completed): an unfinished upstream exchange is cut.
    if (!res.writableFinished) upReq.destroy();
  };
  res.once("close", onClientClose);

  upReq.on("response", (upRes) => {
    try {
      res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, downstreamResponseHeaders(upRes));
    } catch (err) {
      // Upstream header values Node refuses to write (invalid characters): a bad gateway answer.
      upRes.destroy();
      upReq.destroy();
      onFailure(err as NodeJS.ErrnoException);
      return;
    }
    // Streams without a length (SSE, chunked) get their headers at once; sized bodies ride with them.
    if (upRes.headers["content-length"] === undefined) res.flushHeaders();
    // The upstream died mid-body: the client must see a cut connection, not a short "complete" body.
    upRes.on("error", () => res.destroy());
    upRes.pipe(res);
  });

  upReq.on("error", (err: NodeJS.ErrnoException) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (res.destroyed) return;
    // A pooled socket closed by the upstream just as we reused it: safe to retry once without a body.
    if (mayRetry && !withBody && upReq.reusedSocket && err.code === "ECONNRESET") {
      res.removeListener("close", onClientClose);
      forwardHttp(req, res, upstream, headers, options, onFailure, false);
      return;
    }
    onFailure(err);
  });

  if (withBody) {
    pipeline(req, upReq, (err) => {
      if (err) upReq.destroy();
    });
  } else {
    upReq.end();
  }
}
