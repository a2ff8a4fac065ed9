import { ApiError } from "../store/types";
import { isObject } from "./http-util";

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/**
 * Merge keys of the Kubernetes types we serve (the `patchMergeKey` struct tags); lists not named
 * here are replaced whole, as tolerations are.
 */
const mergeKeys: Record<string, string> = {
  containers: "name",
  initContainers: "name",
  ephemeralContainers: "name",
  env: "name",
  volumes: "name",
  volumeMounts: "mountPath",
  volumeDevices: "devicePath",
  imagePullSecrets: "name",
  conditions: "type",
  ownerReferences: "uid",
  hostAliases: "ip",
  topologySpreadConstraints: "topologyKey",
  schedulingGates: "name",
  resourceClaims: "name",
  readinessGates: "conditionType",
};
/** Primitive lists with strategy "merge" (a union). */
const mergedPrimitiveLists = new Set(["finalizers"]);

function keyFor(field: string, items: unknown[]): string | undefined {
  if (field === "ports") return items.some((i) => isObject(i) && "containerPort" in i) ? "containerPort" : "port";
  return mergeKeys[field];
}

/** Strategic merge patch (k8s.io/apimachinery/pkg/util/strategicpatch) for the fields above. */
export function strategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  if (patch.$patch === "replace") {
    const { $patch: _ignored, ...rest } = patch;
    void _ignored;
    return rest;
  }
  if (patch.$patch === "delete") return undefined;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  let retain: string[] | undefined;
  for (const [k, v] of Object.entries(patch)) {
    if (k === "$retainKeys" && Array.isArray(v)) {
      retain = v.map(String);
      continue;
    }
    if (k.startsWith("$setElementOrder/") || k === "$patch") continue;
    if (k.startsWith("$deleteFromPrimitiveList/")) {
      const field = k.slice("$deleteFromPrimitiveList/".length);
      if (Array.isArray(out[field]) && Array.isArray(v)) out[field] = (out[field] as unknown[]).filter((x) => !v.includes(x));
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    if (Array.isArray(v)) {
      out[k] = mergeList(k, out[k], v);
      continue;
    }
    const merged = strategicMergePatch(out[k], v);
    if (merged === undefined) delete out[k];
    else out[k] = merged;
  }
  if (retain) for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  return out;
}

function mergeList(field: string, original: unknown, patch: unknown[]): unknown[] {
  const orig = Array.isArray(original) ? original : [];
  if (patch.some((p) => isObject(p) && p.$patch === "replace")) return patch.filter((p) => !(isObject(p) && p.$patch === "replace"));
  if (mergedPrimitiveLists.has(field)) return [...orig, ...patch.filter((p) => !orig.includes(p))];
  const key = keyFor(field, [...orig, ...patch]);
  if (!key || !patch.every(isObject)) return patch;
  const out = [...orig];
  for (const p of patch as Record<string, unknown>[]) {
    const idx = out.findIndex((o) => isObject(o) && o[key] === p[key]);
    if (p.$patch === "delete") {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) out[idx] = strategicMergePatch(out[idx], p);
    else out.push(strategicMergePatch({}, p));
  }
  return out;
}

type Op = { op: string; path: string; value?: unknown; from?: string };

function pointer(path: string): string[] {
  if (path === "") return [];
  if (!path.startsWith("/")) throw new Error(`invalid JSON pointer: ${path}`);
  return path.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function parentOf(doc: unknown, parts: string[], path: string): { parent: Record<string, unknown> | unknown[]; last: string } {
  let cur: unknown = doc;
  for (const p of parts.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(p)];
    else if (isObject(cur)) cur = cur[p];
    else cur = undefined;
    if (cur === undefined) throw new Error(`doc is missing path: "${path}": missing value`);
  }
  if (!Array.isArray(cur) && !isObject(cur)) throw new Error(`doc is missing path: "${path}": missing value`);
  return { parent: cur, last: parts[parts.length - 1]! };
}

function getAt(doc: unknown, path: string): unknown {
  let cur = doc;
  for (const p of pointer(path)) {
    cur = Array.isArray(cur) ? cur[Number(p)] : isObject(cur) ? cur[p] : undefined;
    if (cur === undefined) throw new Error(`doc is missing path: "${path}": missing value`);
  }
  return cur;
}

/** RFC 6902 JSON patch; a failing operation is a 422 as on the real server. */
export function jsonPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new ApiError(400, "BadRequest", "json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  let out = structuredClone(doc);
  try {
    for (const raw of ops as Op[]) {
      if (!isObject(raw) || typeof raw.path !== "string") throw new Error("missing path in operation");
      const parts = pointer(raw.path);
      const value = raw.op === "copy" || raw.op === "move" ? structuredClone(getAt(out, raw.from ?? "")) : raw.value;
      if (raw.op === "move") out = removeAt(out, raw.from ?? "");
      if (raw.op === "test") {
        if (JSON.stringify(getAt(out, raw.path)) !== JSON.stringify(raw.value)) throw new Error(`testing value ${raw.path} failed: test failed`);
        continue;
      }
      if (raw.op === "remove") {
        out = removeAt(out, raw.path);
        continue;
      }
      if (!["add", "replace", "copy", "move"].includes(raw.op)) throw new Error(`Unexpected kind: ${raw.op}`);
      if (parts.length === 0) {
        out = value;
        continue;
      }
      const { parent, last } = parentOf(out, parts, raw.path);
      if (Array.isArray(parent)) {
        const i = last === "-" ? parent.length : Number(last);
        if (!Number.isInteger(i) || i < 0 || i > parent.length || (raw.op === "replace" && i >= parent.length)) throw new Error(`Unable to access invalid index: ${last}`);
        if (raw.op === "replace") parent[i] = value;
        else parent.splice(i, 0, value);
      } else {
        if (raw.op === "replace" && !(last in parent)) throw new Error(`replace operation does not apply: doc is missing key: ${raw.path}: missing value`);
        parent[last] = value;
      }
    }
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw new ApiError(422, "Invalid", `the server rejected our request due to an error in our request: ${e instanceof Error ? e.message : String(e)}`);
  }
  return out;
}

function removeAt(doc: unknown, path: string): unknown {
  const parts = pointer(path);
  const { parent, last } = parentOf(doc, parts, path);
  if (Array.isArray(parent)) {
    const i = Number(last);
    if (!(i >= 0 && i < parent.length)) throw new Error(`Unable to remove nonexistent index: ${last}`);
    parent.splice(i, 1);
  } else {
    if (!(last in parent)) throw new Error(`Unable to remove nonexistent key: ${last}: missing value`);
    delete parent[last];
  }
  return doc;
}
