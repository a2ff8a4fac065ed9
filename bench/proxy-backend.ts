/**
 * The benchmark's session pod: a few hundred bytes of JSON per request and a WebSocket echo, in a
 * process of its own. Prints `ready <port>`.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";

const body = Buffer.from(JSON.stringify({ kernel: "python3", state: "idle", pad: "x".repeat(220), connections: 1, last_activity: "2026-01-01T00:00:00Z" }));
const server = http.createServer((req, res) => {
  req.resume();
  res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
  res.end(body);
});
server.keepAliveTimeout = 65_000;
const wss = new WebSocketServer({ server });
wss.on("connection", (ws) => ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary })));
server.listen(0, "127.0.0.1", () => process.stdout.write(`ready ${(server.address() as AddressInfo).port}\n`));
