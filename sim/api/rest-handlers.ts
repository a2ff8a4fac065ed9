import type { IncomingMessage, ServerResponse } from "node:http";
import { parse as parseYaml } from "yaml";
import { apiVersionOf, type MemoryStore } from "../store/memory-store";
import { ApiError, type DeleteOptions, type KubeObject, type ResourceDef } from "../store/types";
import { isObject, parseBody, readBody, readObjectBody, sendJson } from "./http-util";
import { jsonPatch, mergePatch, strategicMergePatch } from "./patch";
import { toTable } from "./table";
import { serveWatch } from "./watch-stream";

export interface Target {
  def: ResourceDef;
  gr: string;
  namespace?: string;
  name?: string;
  sub?: string;
}

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  store: MemoryStore;
  now: () => number;
  /** Keeps a request counted as open while a watch or log stream runs. */
  onStreamEnd: () => void;
}

const wantsTable = (req: IncomingMessage) => /as=Table/.test(req.headers.accept ?? "");
const bool = (v: string | null) => v === "true" || v === "1";

function tableOpts(c: RequestContext) {
  return { now: c.now(), includeObject: c.query.get("includeObject") ?? undefined };
}

/** Checks apiVersion/kind of a body against the URL's resource (400 as the real decoder does). */
function checkBody(t: Target, body: unknown, method: string): KubeObject {
  if (!isObject(body)) throw new ApiError(400, "BadRequest", `the body of the request was in an unknown format`);
  const obj = body as unknown as KubeObject;
  const want = apiVersionOf(t.def);
  if (obj.apiVersion && obj.apiVersion !== want) {
    throw new ApiError(400, "BadRequest", `the API version in the data (${obj.apiVersion}) does not match the expected API version (${want})`);
  }
  if (obj.kind && obj.kind !== t.def.kind) {
    throw new ApiError(400, "BadRequest", `${obj.kind} in version "${t.def.version}" cannot be handled as a ${t.def.kind}: no kind "${obj.kind}" is registered for version "${want}" in scheme "pkg/api/legacyscheme/scheme.go:30"`);
  }
  obj.metadata = isObject(obj.metadata) ? obj.metadata : {};
  if (t.def.namespaced && t.namespace) {
    if (obj.metadata.namespace && obj.metadata.namespace !== t.namespace) {
      throw new ApiError(400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request");
    }
    obj.metadata.namespace = t.namespace;
  }
  if (t.name && method !== "POST") {
    if (obj.metadata.name && obj.metadata.name !== t.name) {
      throw new ApiError(400, "BadRequest", `the name of the object (${obj.metadata.name}) does not match the name on the URL (${t.name})`);
    }
    obj.metadata.name = t.name;
  }
  return obj;
}

interface ContinueToken {
  rv: string;
  k: string;
}

export function listCollection(c: RequestContext, t: Target): void {
  const q = c.query;
  const opts = { namespace: t.namespace, labelSelector: q.get("labelSelector") ?? undefined, fieldSelector: q.get("fieldSelector") ?? undefined };
  if (bool(q.get("watch"))) {
    const table = wantsTable(c.req);
    const to = tableOpts(c);
    serveWatch(c.req, c.res, c.store, t.gr, {
      ...opts,
      resourceVersion: q.get("resourceVersion") ?? undefined,
      bookmarks: bool(q.get("allowWatchBookmarks")),
      sendInitialEvents: bool(q.get("sendInitialEvents")),
      timeoutSeconds: q.has("timeoutSeconds") ? Number(q.get("timeoutSeconds")) : undefined,
      render: table ? (o) => toTable(t.gr, [o], c.store.printerColumns(t.gr), { ...to, now: c.now(), noHeaders: false }) : (o) => o,
    }, c.onStreamEnd);
    return;
  }
  const rv = c.store.currentResourceVersion();
  let items = c.store.listRaw(t.gr, opts);
  let tokenRv = rv;
  const cont = q.get("continue");
  if (cont) {
    let tok: ContinueToken;
    try {
      tok = JSON.parse(Buffer.from(cont, "base64url").toString("utf8")) as ContinueToken;
      if (typeof tok.k !== "string") throw new Error("bad token");
    } catch {
      throw new ApiError(400, "BadRequest", "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
    }
    tokenRv = tok.rv;
    items = items.filter((o) => `${o.metadata.namespace ?? ""}/${o.metadata.name}` > tok.k);
  }
  const limit = Number(q.get("limit") ?? 0);
  let next: string | undefined;
  let remaining: number | undefined;
  if (limit > 0 && items.length > limit) {
    remaining = items.length - limit;
    items = items.slice(0, limit);
    const last = items[items.length - 1]!;
    next = Buffer.from(JSON.stringify({ rv: tokenRv, k: `${last.metadata.namespace ?? ""}/${last.metadata.name}` })).toString("base64url");
  }
  if (wantsTable(c.req)) {
    sendJson(c.res, 200, toTable(t.gr, items, c.store.printerColumns(t.gr), { ...tableOpts(c), resourceVersion: tokenRv, continueToken: next }));
    return;
  }
  sendJson(c.res, 200, {
    kind: t.def.listKind,
    apiVersion: apiVersionOf(t.def),
    metadata: { resourceVersion: tokenRv, ...(next ? { continue: next, remainingItemCount: remaining } : {}) },
    items,
  });
}

function sendObject(c: RequestContext, t: Target, code: number, obj: KubeObject): void {
  if (wantsTable(c.req)) sendJson(c.res, code, toTable(t.gr, [obj], c.store.printerColumns(t.gr), tableOpts(c)));
  else sendJson(c.res, code, obj);
}

function mustGet(c: RequestContext, t: Target): KubeObject {
  const o = c.store.getRaw(t.gr, t.namespace, t.name!);
  if (!o) throw new ApiError(404, "NotFound", `${t.def.plural}${t.def.group ? `.${t.def.group}` : ""} "${t.name}" not found`, { name: t.name, group: t.def.group, kind: t.def.plural });
  return o;
}

export function getItem(c: RequestContext, t: Target): void {
  sendObject(c, t, 200, mustGet(c, t));
}

export async function createItem(c: RequestContext, t: Target): Promise<void> {
  const obj = checkBody(t, await readObjectBody(c.req), "POST");
  if (bool(c.query.get("dryRun")) || c.query.get("dryRun") === "All") {
    sendObject(c, t, 201, obj);
    return;
  }
  // The parsed body is ours alone: the store keeps it, and its answer is the stored object itself.
  sendObject(c, t, 201, c.store.create(t.gr, obj, true));
}

export async function replaceItem(c: RequestContext, t: Target): Promise<void> {
  const obj = checkBody(t, await readObjectBody(c.req), "PUT");
  sendObject(c, t, 200, c.store.update(t.gr, obj, t.sub === "status" ? { subresource: "status" } : {}));
}

export async function patchItem(c: RequestContext, t: Target): Promise<void> {
  const type = (c.req.headers["content-type"] ?? "").split(";")[0]!.trim();
  const text = await readBody(c.req);
  const sub = t.sub === "status" ? { subresource: "status" as const } : {};
  if (type === "application/apply-patch+yaml") {
    if (!c.query.get("fieldManager")) throw new ApiError(400, "BadRequest", "PATCH /apply: fieldManager is required for apply requests");
    const applied = checkBody(t, parseBody(text, "application/yaml"), "PATCH");
    const cur = c.store.getRaw(t.gr, t.namespace, t.name!);
    // Server-side apply is modelled as a strategic merge of the applied configuration (no field ownership).
    if (!cur) sendObject(c, t, 201, c.store.create(t.gr, applied));
    else sendObject(c, t, 200, c.store.update(t.gr, strategicMergePatch(structuredClone(cur), applied) as KubeObject, sub));
    return;
  }
  let patch: unknown;
  try {
    patch = type.includes("yaml") ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw new ApiError(400, "BadRequest", `error decoding patch: ${e instanceof Error ? e.message : String(e)}`);
  }
  const cur = structuredClone(mustGet(c, t));
  let next: unknown;
  if (type === "application/json-patch+json") next = jsonPatch(cur, patch);
  else if (type === "application/merge-patch+json") next = mergePatch(cur, patch);
  else if (type === "application/strategic-merge-patch+json") {
    if (!["", "apps", "batch", "policy"].includes(t.def.group)) {
      throw new ApiError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`);
    }
    next = strategicMergePatch(cur, patch);
  } else throw new ApiError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`);
  if (!isObject(next) || !isObject(next.metadata)) throw new ApiError(422, "Invalid", "the patched object is not a Kubernetes object");
  const obj = next as unknown as KubeObject;
  obj.metadata.name = t.name;
  if (t.namespace) obj.metadata.namespace = t.namespace;
  sendObject(c, t, 200, c.store.update(t.gr, obj, sub));
}

async function deleteOptions(c: RequestContext): Promise<DeleteOptions> {
  const text = await readBody(c.req);
  const body = text.trim() ? parseBody(text, c.req.headers["content-type"]) : {};
  const o: DeleteOptions = isObject(body) ? (body as DeleteOptions) : {};
  const q = c.query;
  if (q.has("gracePeriodSeconds")) o.gracePeriodSeconds = Number(q.get("gracePeriodSeconds"));
  if (q.has("propagationPolicy")) o.propagationPolicy = q.get("propagationPolicy") as DeleteOptions["propagationPolicy"];
  if (bool(q.get("orphanDependents")) || (isObject(body) && body.orphanDependents === true)) o.propagationPolicy ??= "Orphan";
  if (o.propagationPolicy && !["Background", "Foreground", "Orphan"].includes(o.propagationPolicy)) {
    throw new ApiError(422, "Invalid", `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${o.propagationPolicy}": supported values: "Foreground", "Background", "Orphan", "nil"`);
  }
  return o;
}

export async function deleteItem(c: RequestContext, t: Target): Promise<void> {
  const opts = await deleteOptions(c);
  const before = mustGet(c, t);
  const result = c.store.delete(t.gr, t.namespace, t.name!, opts);
  const still = c.store.getRaw(t.gr, t.namespace, t.name!);
  if (still || t.gr === "pods") sendJson(c.res, 200, still ?? result ?? before);
  else {
    sendJson(c.res, 200, {
      kind: "Status", apiVersion: "v1", metadata: {}, status: "Success",
      details: { name: t.name, group: t.def.group, kind: t.def.plural, uid: before.metadata.uid },
    });
  }
}

export async function deleteCollection(c: RequestContext, t: Target): Promise<void> {
  const opts = await deleteOptions(c);
  const q = c.query;
  const items = c.store.listRaw(t.gr, { namespace: t.namespace, labelSelector: q.get("labelSelector") ?? undefined, fieldSelector: q.get("fieldSelector") ?? undefined });
  const deleted: KubeObject[] = [];
  for (const o of items) {
    if (!c.store.getRaw(t.gr, o.metadata.namespace, o.metadata.name!)) continue;
    deleted.push(c.store.delete(t.gr, o.metadata.namespace, o.metadata.name!, opts) ?? o);
  }
  sendJson(c.res, 200, { kind: t.def.listKind, apiVersion: apiVersionOf(t.def), metadata: { resourceVersion: c.store.currentResourceVersion() }, items: deleted });
}
