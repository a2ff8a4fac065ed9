/**
 * WebSocket (and any HTTP/1.1 Upgrade) relayed at the socket level: the upgrade request goes to
 * the upstream on a fresh connection, its 101 answer is written back verbatim, then the two sockets
 * are piped in both directions and destroyed together. Frames are not parsed; each chunk of data
 * in either direction counts as activity, which is what the culler needs.
 */
import http from "node:http";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { armConnectTimeout } from "./http-forward";

const STATUS_TEXT: Record<number, string> = { 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 502: "Bad Gateway", 503: "Service Unavailable" };

/** Answers a not-yet-upgraded socket with a plain HTTP response and closes it. */
export function writeRawResponse(socket: Duplex, status: number, body: string, contentType = "text/plain; charset=utf-8"): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const payload = Buffer.from(body);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? "Error"}\r\nContent-Type: ${contentType}\r\nContent-Length: ${payload.length}\r\n` +
      `Cache-Control: no-store\r\nConnection: close\r\n\r\n` +
      payload.toString("latin1"),
    "latin1",
  );
}

export interface UpgradeOptions {
  connectTimeoutMs: number;
  /** Called for every chunk relayed in either direction. */
  onData?: () => void;
  /** The upstream could not be reached or failed before the upgrade completed. */
  onFailure: (err: NodeJS.ErrnoException) => void;
  /** Both sockets of an established tunnel, for shutdown. */
  track?: (client: Duplex, upstream: Duplex) => void;
}

export function forwardUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: { host: string; port: number }, headers: string[], o: UpgradeOptions): void {
  if (socket.destroyed) return; // the client left while its credentials were being verified
  const upReq = http.request({ host: target.host, port: target.port, method: "GET", path: req.url, headers, agent: false, setHost: false });
  armConnectTimeout(upReq, o.connectTimeoutMs);
  const onClientGone = () => upReq.destroy();
  socket.once("close", onClientGone);

  upReq.on("error", (err: NodeJS.ErrnoException) => {
    socket.removeListener("close", onClientGone);
    o.onFailure(err);
  });

  // The upstream refused the upgrade (403 for a bad Origin, 404…): relay its answer as is.
  upReq.on("response", (upRes) => {
    let head = `HTTP/1.1 ${upRes.statusCode} ${upRes.statusMessage}\r\n`;
    for (let i = 0; i < upRes.rawHeaders.length; i += 2) {
      const name = upRes.rawHeaders[i]!.toLowerCase();
      if (name === "connection" || name === "transfer-encoding" || name === "keep-alive") continue;
      head += `${upRes.rawHeaders[i]}: ${upRes.rawHeaders[i + 1]}\r\n`;
    }
    socket.write(head + "Connection: close\r\n\r\n");
    upRes.on("error", () => socket.destroy());
    upRes.pipe(socket);
  });

  upReq.on("upgrade", (upRes, upSocket, upHead) => {
    socket.removeListener("close", onClientGone);
    let head101 = `HTTP/1.1 101 ${upRes.statusMessage || "Switching Protocols"}\r\n`;
    for (let i = 0; i < upRes.rawHeaders.length; i += 2) head101 += `${upRes.rawHeaders[i]}: ${upRes.rawHeaders[i + 1]}\r\n`;
    socket.write(head101 + "\r\n");
    if (upHead.length > 0) socket.write(upHead);
    if (head.length > 0) upSocket.write(head);
    tunnel(socket, upSocket, o);
  });

  upReq.end();
}

function tunnel(client: Duplex, upstream: Duplex, o: UpgradeOptions): void {
  let closed = false;
  const closeBoth = () => {
    if (closed) return;
    closed = true;
    client.destroy();
    upstream.destroy();
  };
  for (const s of [client, upstream]) {
    s.on("error", closeBoth);
    s.on("close", closeBoth);
    // A half-closed side (FIN) ends the tunnel: WebSocket has its own close handshake.
    s.on("end", closeBoth);
    const net = s as Duplex & { setNoDelay?: (v: boolean) => void; setTimeout?: (ms: number) => void; setKeepAlive?: (on: boolean, ms: number) => void };
    net.setNoDelay?.(true);
    net.setTimeout?.(0);
    net.setKeepAlive?.(true, 30_000);
    if (o.onData) s.on("data", o.onData);
  }
  o.track?.(client, upstream);
  client.pipe(upstream);
  upstream.pipe(client);
}
