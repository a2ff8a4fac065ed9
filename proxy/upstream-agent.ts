/**
 * The pooled upstream connections of one target (a pod or the web server). The connect timeout
 * lives in `createConnection`, so it costs a timer per new connection rather than per request, and
 * a reused socket pays nothing. Idle pooled sockets are closed after `freeSocketTimeoutMs`, or
 * earlier when the upstream announces a shorter `Keep-Alive: timeout=` (Node's agent honours it),
 * which avoids reusing a socket the upstream is about to close.
 */
import { Agent, type ClientRequestArgs } from "node:http";
import net from "node:net";
import type { Duplex } from "node:stream";

export interface UpstreamAgentOptions {
  maxSockets: number;
  connectTimeoutMs: number;
  freeSocketTimeoutMs?: number;
}

class UpstreamAgent extends Agent {
  constructor(private readonly connectTimeoutMs: number, options: ConstructorParameters<typeof Agent>[0]) {
    super(options);
  }

  override createConnection(options: ClientRequestArgs): Duplex {
    const socket = net.createConnection(options as net.NetConnectOpts);
    socket.setNoDelay(true);
    const ms = this.connectTimeoutMs;
    if (ms > 0) {
      const timer = setTimeout(() => socket.destroy(Object.assign(new Error("connect timeout"), { code: "ECONNECT_TIMEOUT" })), ms);
      const clear = () => clearTimeout(timer);
      socket.once("connect", clear);
      socket.once("close", clear);
    }
    return socket;
  }
}

export function createUpstreamAgent(o: UpstreamAgentOptions): Agent {
  return new UpstreamAgent(o.connectTimeoutMs, {
    keepAlive: true,
    maxSockets: o.maxSockets,
    maxFreeSockets: o.maxSockets,
    scheduling: "lifo",
    timeout: o.freeSocketTimeoutMs ?? 30_000,
  });
}
