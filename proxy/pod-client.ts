/**
 * Requests without a body — GET, HEAD and most of what a notebook sends — relayed to a pod over a
 * pool of keep-alive HTTP/1.1 sockets with a response parser of our own. undici (http-forward.ts)
 * costs about a third of the proxy's CPU per request on this path (request validation, llhttp in
 * wasm and its callbacks, a setImmediate before each socket reuse); this client writes one request
 * head and reads the response head with one string split: 59 → 45 µs per proxied request in an
 * interleaved A/B (bench:proxy's load). Requests with a body (uploads) still go through undici,
 * which streams and re-frames them.
 *
 * Strict on what comes back, so that a pod can never make the proxy hand a response to the wrong
 * request: a malformed status line or header, Content-Length together with Transfer-Encoding, a bad
 * or conflicting Content-Length, an oversized head, 101 or bytes past the end of a response, and
 * any byte arriving on an idle socket all end that socket (502 when nothing was sent yet). A pool
 * serves one pod address, and a pod belongs to one user, so even a pod that answered out of turn
 * could only reach its own user.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import net from "node:net";
import { timeoutError, type FailureHandler } from "./http-forward";
import type { ProxyMetrics } from "./metrics";

export interface PodPoolOptions {
  host: string;
  port: number;
  maxSockets: number;
  connectTimeoutMs: number;
  /** Inactivity allowed during an exchange (waiting for the head, between body chunks); 0 disables. */
  idleTimeoutMs: number;
  /** How long an idle pooled socket is kept (shortened by the pod's `Keep-Alive: timeout=`). */
  keepAliveMs?: number;
}

const MAX_HEAD = 64 * 1024;
const CRLF = Buffer.from("\r\n");
const CRLFCRLF = Buffer.from("\r\n\r\n");
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: ([^\r\n]*))?$/;
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "te", "transfer-encoding", "upgrade", "trailer", "proxy-authorization", "proxy-authenticate"]);
/** Name lengths of content-length and the hop-by-hop headers: only names of these lengths are lower-cased. */
const SPECIAL_LENGTH = new Uint8Array(32);
for (const name of [...HOP_BY_HOP, "content-length"]) SPECIAL_LENGTH[name.length] = 1;

/** Digits only, at most 15 of them; -1 otherwise. */
function contentLength(value: string): number {
  if (value.length === 0 || value.length > 15) return -1;
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const d = value.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** Methods repeated once on a fresh socket when a reused one turned out closed. */
const RETRYABLE = new Set(["GET", "HEAD", "OPTIONS"]);

function protocolError(message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`pod response: ${message}`), { code: "EPROTO" });
}

/** One pooled socket; its listeners are set once and hand events to the exchange it serves. */
class Conn {
  readonly socket: net.Socket;
  exchange: Exchange | undefined;
  idleSince = 0;
  keepAliveMs: number;
  keepAliveHeader: string | undefined;
  private error: Error | undefined;

  constructor(readonly pool: PodPool) {
    this.keepAliveMs = pool.keepAliveMs;
    this.socket = net.connect({ host: pool.host, port: pool.port, noDelay: true });
    this.socket.setTimeout(pool.connectTimeoutMs > 0 ? pool.connectTimeoutMs : pool.idleTimeoutMs);
    this.socket.once("connect", () => this.socket.setTimeout(pool.idleTimeoutMs));
    this.socket.on("data", (chunk: Buffer) => {
      if (this.exchange === undefined) this.socket.destroy(); // unsolicited bytes on an idle socket
      else this.exchange.onData(chunk);
    });
    this.socket.on("timeout", () => {
      const connecting = this.socket.connecting;
      this.socket.destroy(connecting ? timeoutError("ECONNECT_TIMEOUT", "connect timeout") : timeoutError("ETIMEDOUT", "pod idle timeout"));
    });
    this.socket.on("error", (err) => (this.error = err));
    this.socket.on("close", () => {
      this.pool.closed(this);
      const ex = this.exchange;
      this.exchange = undefined;
      ex?.onClose(this.error);
    });
  }
}

const kExchange = Symbol("podExchange");
type WithExchange = ServerResponse & { [kExchange]?: Exchange };

function onClientClose(this: WithExchange): void {
  const ex = this[kExchange];
  // The client left before the response was complete: the pod's socket is in an unknown state.
  if (ex !== undefined && !this.writableFinished) ex.abandon();
}

function onClientDrain(this: WithExchange): void {
  this[kExchange]?.conn?.socket.resume();
}

const enum Phase {
  Head,
  Sized,
  Chunked,
  UntilClose,
  Done,
}

const enum Chunk {
  Size,
  Data,
  DataEnd,
  Trailer,
}

class Exchange {
  conn: Conn | undefined;
  pool: PodPool | undefined;
  private reused = false;
  private received = false;
  private started = false;
  private phase = Phase.Head;
  private buf: Buffer | undefined;
  private remaining = 0;
  private chunk = Chunk.Size;
  private reusable = true;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: WithExchange,
    private readonly head: string,
    private readonly onFailure: FailureHandler,
    private readonly metrics: ProxyMetrics | undefined,
    private mayRetry: boolean,
  ) {}

  /** The pool gives the exchange a socket: the request goes out at once (net queues it while connecting). */
  begin(conn: Conn, reused: boolean): void {
    if (this.res.destroyed) return conn.pool.release(conn); // the client left meanwhile; the socket is clean
    this.conn = conn;
    this.reused = reused;
    conn.exchange = this;
    conn.socket.write(this.head, "latin1");
  }

  onData(data: Buffer): void {
    this.received = true;
    if (this.buf !== undefined) {
      data = Buffer.concat([this.buf, data]);
      this.buf = undefined;
    }
    if (this.phase === Phase.Head) {
      const rest = this.parseHead(data);
      if (rest === undefined) return;
      data = rest;
    }
    if (data.length > 0) this.body(data);
  }

  /** Parses heads (skipping 1xx interim ones) and writes the final one to the client; returns the bytes after it. */
  private parseHead(data: Buffer): Buffer | undefined {
    for (;;) {
      const end = data.indexOf(CRLFCRLF);
      if (end === -1) {
        if (data.length > MAX_HEAD) this.fail(protocolError("head too large"));
        else this.buf = data;
        return undefined;
      }
      // One string for the head, walked line by line (no split, no per-header lower-casing unless
      // the name's length is that of a header this proxy must look at).
      const text = data.toString("latin1", 0, end);
      let eol = text.indexOf("\r\n");
      if (eol === -1) eol = text.length;
      const status = STATUS_LINE.exec(eol === text.length ? text : text.slice(0, eol));
      if (status === null) return this.fail(protocolError("bad status line"));
      const code = Number(status[2]);
      if (code === 101) return this.fail(protocolError("unexpected 101"));
      data = data.subarray(end + 4);
      if (code < 200) continue; // 100/102/103 are not relayed
      const out: string[] = [];
      let length = -1;
      let transferEncoding: string | undefined;
      let listed: Set<string> | undefined;
      for (let pos = eol + 2; pos < text.length; ) {
        let next = text.indexOf("\r\n", pos);
        if (next === -1) next = text.length;
        const colon = text.indexOf(":", pos);
        const first = text.charCodeAt(pos);
        if (colon <= pos || colon > next || first === 32 || first === 9) return this.fail(protocolError("bad header line"));
        const name = text.slice(pos, colon);
        const value = text.slice(colon + 1, next).trim();
        pos = next + 2;
        if (name.length >= SPECIAL_LENGTH.length || SPECIAL_LENGTH[name.length] === 0) {
          out.push(name, value);
          continue;
        }
        const lower = name.toLowerCase();
        if (lower === "content-length") {
          const n = contentLength(value);
          if (n === -1 || (length !== -1 && length !== n)) return this.fail(protocolError("bad Content-Length"));
          length = n;
        } else if (HOP_BY_HOP.has(lower)) {
          if (lower === "transfer-encoding") transferEncoding = transferEncoding === undefined ? value : `${transferEncoding}, ${value}`;
          else if (lower === "connection") {
            if (value.length === 10 && value.toLowerCase() === "keep-alive") continue; // the usual case
            for (const token of value.toLowerCase().split(",")) {
              const t = token.trim();
              if (t === "close") this.reusable = false;
              else if (t !== "" && t !== "keep-alive") (listed ??= new Set()).add(t);
            }
          } else if (lower === "keep-alive" && value !== this.conn!.keepAliveHeader) {
            // A pod repeats the same value on every answer: parsed once per socket.
            this.conn!.keepAliveHeader = value;
            const m = /timeout=(\d+)/i.exec(value);
            if (m) this.conn!.keepAliveMs = Math.min(this.conn!.pool.keepAliveMs, Math.max(0, Number(m[1]) * 1000 - 1000));
          }
          continue;
        }
        out.push(name, value);
      }
      if (status[1] === "0") this.reusable = false; // HTTP/1.0: no keep-alive here
      if (listed !== undefined) {
        for (let i = out.length - 2; i >= 0; i -= 2) if (listed.has(out[i]!.toLowerCase())) out.splice(i, 2);
      }
      if (transferEncoding !== undefined && length !== -1) return this.fail(protocolError("both Content-Length and Transfer-Encoding"));
      const bodiless = this.req.method === "HEAD" || code === 204 || code === 304;
      try {
        // Node refuses header names or values with invalid characters: nothing was sent, so a 502.
        this.res.writeHead(code, status[3], out);
      } catch (err) {
        return this.fail(protocolError(`header refused by Node (${(err as Error).message})`));
      }
      this.started = true;
      this.metrics?.response(this.req, code);
      if (bodiless || length === 0) {
        this.complete(data);
        return undefined;
      }
      if (length !== -1) {
        this.phase = Phase.Sized;
        this.remaining = length;
      } else {
        // Streams (SSE, chunked, until close) get their headers at once.
        this.res.flushHeaders();
        if (transferEncoding !== undefined && /(?:^|,)\s*chunked\s*$/i.test(transferEncoding)) this.phase = Phase.Chunked;
        else {
          this.phase = Phase.UntilClose;
          this.reusable = false;
        }
      }
      return data;
    }
  }

  private body(data: Buffer): void {
    switch (this.phase) {
      case Phase.Sized: {
        if (data.length >= this.remaining) {
          const last = data.length === this.remaining ? data : data.subarray(0, this.remaining);
          const after = data.subarray(this.remaining);
          this.remaining = 0;
          // Headers and the rest of the body leave in one write when the whole body came at once.
          this.complete(after, last);
          return;
        }
        this.remaining -= data.length;
        return this.write(data);
      }
      case Phase.UntilClose:
        return this.write(data);
      case Phase.Chunked:
        return this.chunked(data);
      default:
        this.fail(protocolError("data after the end of the response"));
    }
  }

  /** Chunked framing, decoded: the client gets the data re-chunked by Node. */
  private chunked(data: Buffer): void {
    let pos = 0;
    while (pos < data.length) {
      if (this.chunk === Chunk.Data) {
        const n = Math.min(this.remaining, data.length - pos);
        this.write(data.subarray(pos, pos + n));
        pos += n;
        this.remaining -= n;
        if (this.remaining === 0) this.chunk = Chunk.DataEnd;
        continue;
      }
      const eol = data.indexOf(CRLF, pos);
      if (eol === -1) {
        if (data.length - pos > 4096) return void this.fail(protocolError("chunk line too long"));
        this.buf = data.subarray(pos);
        return;
      }
      const line = data.toString("latin1", pos, eol);
      pos = eol + 2;
      if (this.chunk === Chunk.DataEnd) {
        if (line !== "") return void this.fail(protocolError("chunk not followed by CRLF"));
        this.chunk = Chunk.Size;
      } else if (this.chunk === Chunk.Size) {
        const semi = line.indexOf(";");
        const hex = (semi === -1 ? line : line.slice(0, semi)).trim();
        if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) return void this.fail(protocolError("bad chunk size"));
        this.remaining = parseInt(hex, 16);
        this.chunk = this.remaining === 0 ? Chunk.Trailer : Chunk.Data;
      } else if (line === "") {
        // The end of the trailer section (trailers are not relayed).
        return this.complete(data.subarray(pos));
      }
    }
  }

  private write(data: Buffer): void {
    if (!this.res.write(data)) {
      this.conn?.socket.pause();
      this.res.once("drain", onClientDrain);
    }
  }

  /** The response is complete: end the client's, give the socket back if nothing trails it. */
  private complete(after: Buffer, last?: Buffer): void {
    this.phase = Phase.Done;
    const res = this.res;
    res[kExchange] = undefined;
    if (last !== undefined) res.end(last);
    else res.end();
    const conn = this.conn!;
    this.conn = undefined;
    conn.exchange = undefined;
    if (after.length > 0 || !this.reusable) return void conn.socket.destroy();
    // Paused for a slow client in this response's last stretch: the next exchange must read.
    if (conn.socket.isPaused()) conn.socket.resume();
    conn.pool.release(conn);
  }

  /** The socket closed (error or not) while this exchange owned it. */
  onClose(error: Error | undefined): void {
    this.conn = undefined;
    if (this.phase === Phase.UntilClose) {
      this.phase = Phase.Done;
      this.res[kExchange] = undefined;
      this.res.end();
      return;
    }
    if (this.phase === Phase.Done) return;
    const err = (error as NodeJS.ErrnoException | undefined) ?? Object.assign(new Error("pod closed the connection"), { code: "ECONNRESET" });
    this.failed(err);
  }

  private fail(err: NodeJS.ErrnoException): undefined {
    const conn = this.conn;
    this.conn = undefined;
    if (conn !== undefined) {
      conn.exchange = undefined;
      conn.socket.destroy();
    }
    this.failed(err);
    return undefined;
  }

  /** Fails the exchange without a socket (its pool was closed). */
  reject(err: NodeJS.ErrnoException): void {
    this.failed(err);
  }

  private failed(err: NodeJS.ErrnoException): void {
    const res = this.res;
    this.phase = Phase.Done;
    res[kExchange] = undefined;
    if (this.started || res.headersSent) {
      res.destroy(); // a truncated body must never pass for a complete one
      return;
    }
    if (res.destroyed) return;
    // A pooled socket the pod had closed just as it was reused: safe to repeat once, on a new socket.
    if (this.mayRetry && this.reused && !this.received && err.code === "ECONNRESET" && RETRYABLE.has(this.req.method ?? "")) {
      this.mayRetry = false;
      this.phase = Phase.Head;
      this.received = false;
      res[kExchange] = this;
      this.pool!.acquire(this, true);
      return;
    }
    this.onFailure(err);
  }

  /** The client is gone: the pod's socket cannot be reused mid-response. */
  abandon(): void {
    this.phase = Phase.Done;
    this.res[kExchange] = undefined;
    const conn = this.conn;
    this.conn = undefined;
    if (conn !== undefined) {
      conn.exchange = undefined;
      conn.socket.destroy();
    }
  }
}

export class PodPool {
  readonly host: string;
  readonly port: number;
  readonly connectTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly keepAliveMs: number;
  private readonly maxSockets: number;
  private readonly conns = new Set<Conn>();
  private readonly idle: Conn[] = [];
  private readonly waiting: Exchange[] = [];
  private destroyed = false;
  private readonly sweeper: NodeJS.Timeout;

  constructor(o: PodPoolOptions) {
    this.host = o.host;
    this.port = o.port;
    this.maxSockets = o.maxSockets;
    this.connectTimeoutMs = o.connectTimeoutMs;
    this.idleTimeoutMs = o.idleTimeoutMs;
    this.keepAliveMs = o.keepAliveMs ?? 30_000;
    // Idle sockets past their keep-alive are closed by a sweep, not by a timer re-armed per request.
    this.sweeper = setInterval(() => this.sweep(performance.now()), 1_000);
    this.sweeper.unref();
  }

  /** Sockets open (busy, idle or connecting), for tests. */
  get size(): number {
    return this.conns.size;
  }

  /** `fresh`: a new socket even past maxSockets (the one retry after a reused socket failed). */
  acquire(ex: Exchange, fresh = false): void {
    if (this.destroyed) return ex.reject(Object.assign(new Error("pod pool closed"), { code: "ECONNRESET" }));
    ex.pool = this;
    const now = performance.now();
    while (!fresh && this.idle.length > 0) {
      const conn = this.idle.pop()!;
      if (conn.socket.destroyed) continue;
      // The event loop may have been busy past the keep-alive: such a socket is not reused.
      if (now - conn.idleSince >= conn.keepAliveMs) {
        conn.socket.destroy();
        continue;
      }
      return ex.begin(conn, true);
    }
    if (this.conns.size >= this.maxSockets && !fresh) {
      this.waiting.push(ex);
      return;
    }
    const conn = new Conn(this);
    this.conns.add(conn);
    ex.begin(conn, false);
  }

  release(conn: Conn): void {
    if (this.destroyed) return void conn.socket.destroy();
    const next = this.waiting.shift();
    if (next !== undefined) return next.begin(conn, true);
    conn.idleSince = performance.now();
    this.idle.push(conn);
  }

  /** Called by a Conn when its socket closed. */
  closed(conn: Conn): void {
    this.conns.delete(conn);
    const i = this.idle.indexOf(conn);
    if (i !== -1) this.idle.splice(i, 1);
    const next = this.waiting.shift();
    if (next !== undefined) this.acquire(next);
  }

  private sweep(now: number): void {
    for (const conn of [...this.idle]) if (now - conn.idleSince >= conn.keepAliveMs) conn.socket.destroy();
  }

  /** Closes every socket; exchanges in flight or waiting fail (502, or the client's socket is cut). */
  async destroy(): Promise<void> {
    this.destroyed = true;
    clearInterval(this.sweeper);
    const err = Object.assign(new Error("pod pool closed"), { code: "ECONNRESET" });
    for (const ex of this.waiting.splice(0)) ex.reject(err);
    this.idle.length = 0;
    for (const conn of [...this.conns]) conn.socket.destroy();
  }
}

/** Relays a request without a body; `headers` is the flat list from upstreamRequestHeaders. */
export function forwardToPod(req: IncomingMessage, res: ServerResponse, pool: PodPool, headers: string[], onFailure: FailureHandler, metrics: ProxyMetrics | undefined): void {
  if (res.destroyed) return; // the client left while its credentials were being verified
  let head = `${req.method} ${req.url} HTTP/1.1\r\n`;
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
  const ex = new Exchange(req, res, head + "\r\n", onFailure, metrics, true);
  (res as WithExchange)[kExchange] = ex;
  res.on("close", onClientClose);
  pool.acquire(ex);
}
