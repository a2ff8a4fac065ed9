/**
 * Header rewriting in both directions, on Node's flat `rawHeaders` arrays so that names keep their
 * case and no object is built per request. Hop-by-hop headers are removed as RFC 9110 §7.6.1
 * says: Connection and every header it names, Keep-Alive, Proxy-Connection, TE, Transfer-Encoding
 * and Upgrade (kept for WebSocket upgrades). The proxy re-frames bodies itself: a chunked request
 * body is decoded by Node's parser and re-chunked upstream by undici (which sends a body without
 * Content-Length chunked, and refuses a Transfer-Encoding header), so it is never copied.
 */
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";

const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "te", "transfer-encoding", "upgrade", "trailer", "proxy-authorization", "proxy-authenticate"]);

function connectionListed(value: string | undefined): Set<string> | undefined {
  if (value === undefined) return undefined;
  let listed: Set<string> | undefined;
  for (const token of value.split(",")) {
    const t = token.trim().toLowerCase();
    if (t === "" || t === "close" || t === "keep-alive" || t === "upgrade") continue;
    (listed ??= new Set()).add(t);
  }
  return listed;
}

export interface RequestHeaderOptions {
  /** Pod routes: replaces Authorization with `token <podToken>`. */
  podToken?: string;
  /** Pod routes: the Cookie header without the portal's cookies (undefined: no Cookie at all). */
  podCookie?: string;
  /** Whether the request is a WebSocket upgrade (keeps Upgrade, sets Connection: Upgrade). */
  upgrade: boolean;
  /** Behind a trusted ingress: keep its X-Forwarded-Proto/Host instead of setting ours. */
  trustForwarded: boolean;
  /** Host header to use when the client sent none (HTTP/1.0). */
  fallbackHost: string;
}

/** Expect is answered by this proxy (Node sends 100 Continue), so it is not repeated upstream. */
export function upstreamRequestHeaders(req: IncomingMessage, o: RequestHeaderOptions): string[] {
  const raw = req.rawHeaders;
  const listed = connectionListed(req.headers.connection);
  const pod = o.podToken !== undefined;
  const out: string[] = [];
  let xff: string | undefined;
  let host: string | undefined;
  let fwdProto = false;
  let fwdHost = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || lower === "expect") continue;
    if (listed?.has(lower)) continue;
    switch (lower) {
      case "host":
        host = value;
        break;
      case "x-forwarded-for":
        xff = xff === undefined ? value : xff + ", " + value;
        continue;
      case "x-forwarded-proto":
        if (!o.trustForwarded) continue;
        fwdProto = true;
        break;
      case "x-forwarded-host":
        if (!o.trustForwarded) continue;
        fwdHost = true;
        break;
      case "cookie":
      case "authorization":
        if (pod) continue;
        break;
    }
    out.push(name, value);
  }
  if (host === undefined) out.push("Host", (host = o.fallbackHost));
  const remote = req.socket.remoteAddress ?? "";
  out.push("X-Forwarded-For", xff === undefined ? remote : xff + ", " + remote);
  if (!fwdProto) out.push("X-Forwarded-Proto", (req.socket as { encrypted?: boolean }).encrypted ? "https" : "http");
  if (!fwdHost) out.push("X-Forwarded-Host", host);
  if (pod) {
    out.push("Authorization", "token " + o.podToken);
    if (o.podCookie !== undefined) out.push("Cookie", o.podCookie);
  }
  if (o.upgrade) out.push("Connection", "Upgrade", "Upgrade", req.headers.upgrade ?? "websocket");
  return out;
}

/** Response headers for the client, flat: the upstream's (as undici parsed them), minus hop-by-hop ones. */
export function downstreamHeaders(headers: IncomingHttpHeaders): string[] {
  const connection = headers.connection;
  const listed = connectionListed(Array.isArray(connection) ? connection.join(",") : connection);
  const out: string[] = [];
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) || listed?.has(name)) continue;
    const value = headers[name];
    if (typeof value === "string") out.push(name, value);
    else if (value !== undefined) for (const v of value) out.push(name, v);
  }
  return out;
}

/** Whether a request carries a body that must be streamed upstream. */
export function hasRequestBody(req: IncomingMessage): boolean {
  const cl = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (cl !== undefined && cl !== "0");
}
