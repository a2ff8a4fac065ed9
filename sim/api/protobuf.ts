import { ApiError } from "../store/types";

/**
 * Just enough of the Kubernetes protobuf encoding to accept what kubectl's generator commands send
 * (`kubectl create namespace|configmap|secret|priorityclass|serviceaccount`): the `k8s\0` envelope
 * (runtime.Unknown) and the fields of those types (k8s.io/api/core/v1/generated.proto). Other
 * kinds answer 415.
 */
type FieldType = "string" | "bytes" | "bool" | "int" | "stringMap" | "bytesMap" | "strings" | { message: Schema };
type Schema = Record<number, [string, FieldType]>;

const objectMeta: Schema = {
  1: ["name", "string"], 2: ["generateName", "string"], 3: ["namespace", "string"], 5: ["uid", "string"],
  6: ["resourceVersion", "string"], 7: ["generation", "int"], 11: ["labels", "stringMap"], 12: ["annotations", "stringMap"],
  14: ["finalizers", "strings"],
};
const schemas: Record<string, Schema> = {
  "v1/Namespace": { 1: ["metadata", { message: objectMeta }], 2: ["spec", { message: { 1: ["finalizers", "strings"] } }] },
  "v1/ConfigMap": { 1: ["metadata", { message: objectMeta }], 2: ["data", "stringMap"], 3: ["binaryData", "bytesMap"], 4: ["immutable", "bool"] },
  "v1/Secret": { 1: ["metadata", { message: objectMeta }], 2: ["data", "bytesMap"], 3: ["type", "string"], 4: ["stringData", "stringMap"], 5: ["immutable", "bool"] },
  "v1/ServiceAccount": { 1: ["metadata", { message: objectMeta }], 4: ["automountServiceAccountToken", "bool"] },
  "scheduling.k8s.io/v1/PriorityClass": {
    1: ["metadata", { message: objectMeta }], 2: ["value", "int"], 3: ["globalDefault", "bool"], 4: ["description", "string"], 5: ["preemptionPolicy", "string"],
  },
};

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer, readonly end = buf.length) {}
  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) throw new Error("truncated varint");
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return result;
      shift += 7;
      if (shift > 63) throw new Error("varint too long");
    }
  }
  bytes(): Buffer {
    const len = this.varint();
    if (this.pos + len > this.end) throw new Error("truncated field");
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 2) this.bytes();
    else if (wire === 1) this.pos += 8;
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

function decode(buf: Buffer, schema: Schema): Record<string, unknown> {
  const r = new Reader(buf);
  const out: Record<string, unknown> = {};
  while (r.pos < r.end) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    const spec = schema[field];
    if (!spec) {
      r.skip(wire);
      continue;
    }
    const [name, type] = spec;
    if (type === "bool" || type === "int") {
      const v = r.varint();
      out[name] = type === "bool" ? v !== 0 : v;
    } else if (type === "string") out[name] = r.bytes().toString("utf8");
    else if (type === "bytes") out[name] = r.bytes().toString("base64");
    else if (type === "strings") ((out[name] ??= []) as string[]).push(r.bytes().toString("utf8"));
    else if (type === "stringMap" || type === "bytesMap") {
      const entry = decode(r.bytes(), { 1: ["k", "string"], 2: ["v", type === "bytesMap" ? "bytes" : "string"] });
      ((out[name] ??= {}) as Record<string, unknown>)[String(entry.k ?? "")] = entry.v ?? "";
    } else out[name] = decode(r.bytes(), type.message);
  }
  return out;
}

export function decodeKubeProtobuf(body: Buffer): Record<string, unknown> {
  const magic = Buffer.from([0x6b, 0x38, 0x73, 0x00]);
  if (body.length < 4 || !body.subarray(0, 4).equals(magic)) throw new ApiError(400, "BadRequest", "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]");
  try {
    const unknown = decode(body.subarray(4), { 1: ["typeMeta", { message: { 1: ["apiVersion", "string"], 2: ["kind", "string"] } }], 2: ["raw", "bytes"] });
    const tm = (unknown.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
    const schema = schemas[`${tm.apiVersion}/${tm.kind}`];
    if (!schema) {
      throw new ApiError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (protobuf only for Namespace, ConfigMap, Secret, ServiceAccount, PriorityClass)`);
    }
    return { apiVersion: tm.apiVersion, kind: tm.kind, ...decode(Buffer.from(String(unknown.raw ?? ""), "base64"), schema) };
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw new ApiError(400, "BadRequest", `unable to decode protobuf body: ${e instanceof Error ? e.message : String(e)}`);
  }
}
