import type { IncomingMessage, ServerResponse } from "node:http";
import { parse as parseYaml } from "yaml";
import { ApiError } from "../store/types";
import { decodeKubeProtobuf } from "./protobuf";

/** Every error leaves as a metav1.Status, as the real API server answers. */
export function statusBody(err: ApiError) {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: err.message,
    reason: err.reason,
    ...(err.details ? { details: err.details } : {}),
    code: err.code,
  };
}

// Stored objects are frozen and replaced on every change, and the same version is often sent more
// than once (the answer to the write that made it, then an event to every watch, a GET): its JSON
// is made once.
const jsonOf = new WeakMap<object, string>();

/** JSON.stringify, made once per frozen (stored) object. */
export function objectJson(o: unknown): string {
  if (typeof o !== "object" || o === null || !Object.isFrozen(o)) return JSON.stringify(o);
  let s = jsonOf.get(o);
  if (s === undefined) {
    s = JSON.stringify(o);
    jsonOf.set(o, s);
  }
  return s;
}

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = objectJson(body);
  res.writeHead(code, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text), "Cache-Control": "no-cache, private" });
  res.end(text);
}

export function sendError(res: ServerResponse, err: unknown): void {
  const e = err instanceof ApiError ? err : new ApiError(500, "InternalError", `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, e.code, statusBody(e));
}

const maxBody = 3 * 1024 * 1024; // the real server's request size limit

export async function readBody(req: IncomingMessage): Promise<string> {
  return (await readBodyBuffer(req)).toString("utf8");
}

/** A create/update body as an object: JSON, YAML, or the protobuf kubectl's generators send. */
export async function readObjectBody(req: IncomingMessage): Promise<unknown> {
  const buf = await readBodyBuffer(req);
  const type = req.headers["content-type"];
  if (/application\/vnd\.kubernetes\.protobuf/.test(type ?? "")) return decodeKubeProtobuf(buf);
  return parseBody(buf.toString("utf8"), type);
}

function readBodyBuffer(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > maxBody) {
        reject(new ApiError(413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728"));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Parses a JSON (or, for YAML content types, YAML) request body; 400 BadRequest when malformed. */
export function parseBody(text: string, contentType: string | undefined): unknown {
  if (!text.trim()) throw new ApiError(400, "BadRequest", "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf");
  if (/protobuf|cbor/.test(contentType ?? "")) {
    throw new ApiError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`);
  }
  const yaml = /yaml/.test(contentType ?? "");
  try {
    return yaml ? parseYaml(text, { strict: true }) : JSON.parse(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message.split("\n")[0] : String(e);
    throw new ApiError(400, "BadRequest", yaml ? `error converting YAML to JSON: yaml: ${msg}` : `couldn't get version/kind; json parse error: ${msg}`);
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Human age as kubectl prints it (k8s.io/apimachinery/pkg/util/duration.HumanDuration). */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < -1) return "<invalid>";
  if (s < 0) return "0s";
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  if (h < 24 * 8) return h % 24 === 0 ? `${Math.floor(h / 24)}d` : `${Math.floor(h / 24)}d${h % 24}h`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24)}d`;
  return `${Math.floor(h / 24 / 365)}y`;
}
