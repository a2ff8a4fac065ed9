/**
 * The pooled upstream connections of one target (a pod or the web server): an undici Pool, so
 * that a relayed request costs a small handler object and llhttp's parse instead of Node's whole
 * `ClientRequest`/`IncomingMessage` pair. Keep-alive, no pipelining (a slow response never holds
 * up another request), a connect timeout per new connection, and idle pooled sockets closed after
 * `freeSocketTimeoutMs` or earlier when the upstream announces a shorter `Keep-Alive: timeout=`.
 */
import { Pool } from "undici";

export interface UpstreamPoolOptions {
  host: string;
  port: number;
  maxSockets: number;
  connectTimeoutMs: number;
  /** Inactivity allowed while waiting for response headers and between body chunks; 0 disables. */
  idleTimeoutMs: number;
  freeSocketTimeoutMs?: number;
}

/** Node's timers take at most 2^31-1 ms; undici reads 0 as "no timeout" only for some timeouts. */
const NEVER = 2 ** 31 - 1;

export function createUpstreamPool(o: UpstreamPoolOptions): Pool {
  const host = o.host.includes(":") ? `[${o.host}]` : o.host;
  return new Pool(`http://${host}:${o.port}`, {
    connections: o.maxSockets,
    pipelining: 1,
    keepAliveTimeout: o.freeSocketTimeoutMs ?? 30_000,
    connect: { timeout: o.connectTimeoutMs > 0 ? o.connectTimeoutMs : NEVER, noDelay: true },
    headersTimeout: o.idleTimeoutMs > 0 ? o.idleTimeoutMs : 0,
    bodyTimeout: o.idleTimeoutMs > 0 ? o.idleTimeoutMs : 0,
  });
}
