import { ApiError, type KubeObject } from "./types";

/**
 * Label selectors (equality- and set-based, the syntax of `kubectl -l`) and field selectors, parsed
 * once per request into requirements that match objects without re-parsing.
 */
export type LabelRequirement =
  | { key: string; op: "=" | "!="; values: [string] }
  | { key: string; op: "in" | "notin"; values: string[] }
  | { key: string; op: "exists" | "!exists"; values: [] };

const badRequest = (msg: string) => new ApiError(400, "BadRequest", msg);

/** Splits on commas that are not inside parentheses ("a in (x,y),b" -> ["a in (x,y)", "b"]). */
function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "," && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

const keyRe = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const valueRe = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export function parseLabelSelector(selector: string | undefined): LabelRequirement[] {
  if (!selector || !selector.trim()) return [];
  return splitTopLevel(selector).map((part) => {
    let m: RegExpExecArray | null;
    let req: LabelRequirement;
    if ((m = /^!\s*(\S+)$/.exec(part))) req = { key: m[1]!, op: "!exists", values: [] };
    else if ((m = /^(\S+?)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part))) {
      const values = m[3]!.split(",").map((v) => v.trim()).filter((v) => v !== "");
      req = { key: m[1]!, op: m[2] as "in" | "notin", values };
    } else if ((m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part))) {
      req = { key: m[1]!, op: m[2] === "!=" ? "!=" : "=", values: [m[3]!] };
    } else if ((m = /^([^=!\s()]+)$/.exec(part))) req = { key: m[1]!, op: "exists", values: [] };
    else throw badRequest(`unable to parse requirement: found '${part}', expected: identifier`);
    if (!keyRe.test(req.key) || req.key.split("/").pop()!.length > 63) throw badRequest(`unable to parse requirement: invalid label key "${req.key}"`);
    for (const v of req.values) {
      if (!valueRe.test(v) || v.length > 63) throw badRequest(`unable to parse requirement: invalid label value: "${v}"`);
    }
    return req;
  });
}

export function matchesLabels(reqs: LabelRequirement[], labels: Record<string, string> | undefined): boolean {
  for (const r of reqs) {
    const v = labels?.[r.key];
    switch (r.op) {
      case "=": if (v !== r.values[0]) return false; break;
      case "!=": if (v === r.values[0]) return false; break;
      case "in": if (v === undefined || !r.values.includes(v)) return false; break;
      case "notin": if (v !== undefined && r.values.includes(v)) return false; break;
      case "exists": if (v === undefined) return false; break;
      case "!exists": if (v !== undefined) return false; break;
    }
  }
  return true;
}

/** Matches a metav1.LabelSelector (matchLabels + matchExpressions), as Jobs and affinities use. */
export function matchesLabelSelectorObject(
  sel: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!sel) return false;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels?.[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const v = labels?.[e.key];
    const vals = e.values ?? [];
    if (e.operator === "In" && (v === undefined || !vals.includes(v))) return false;
    if (e.operator === "NotIn" && v !== undefined && vals.includes(v)) return false;
    if (e.operator === "Exists" && v === undefined) return false;
    if (e.operator === "DoesNotExist" && v !== undefined) return false;
  }
  return true;
}

export interface FieldRequirement {
  field: string;
  op: "=" | "!=";
  value: string;
}

const supportedFields: Record<string, string[]> = {
  pods: ["spec.nodeName", "status.phase", "spec.schedulerName", "spec.serviceAccountName", "status.podIP", "spec.restartPolicy"],
  events: ["involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "type", "source", "reportingComponent"],
  nodes: ["spec.unschedulable"],
  namespaces: ["status.phase"],
  secrets: ["type"],
  "batch/jobs": ["status.successful"],
};

/**
 * The part of an object selectors can see (name, namespace, labels and the selectable fields), so
 * watch history can keep it for the previous version instead of the whole object.
 */
export function selectableView(gr: string, obj: KubeObject): KubeObject {
  const view: KubeObject = { apiVersion: obj.apiVersion, kind: obj.kind, metadata: { name: obj.metadata.name, namespace: obj.metadata.namespace, labels: obj.metadata.labels } };
  for (const f of supportedFields[gr] ?? []) {
    const v = fieldValue(obj, f);
    if (v === "") continue;
    const parts = f.split(".");
    let cur = view as Record<string, unknown>;
    for (const p of parts.slice(0, -1)) cur = (cur[p] ??= {}) as Record<string, unknown>;
    cur[parts[parts.length - 1]!] = f === "source" ? { component: v } : v;
  }
  return view;
}

export function parseFieldSelector(gr: string, selector: string | undefined): FieldRequirement[] {
  if (!selector || !selector.trim()) return [];
  return splitTopLevel(selector).map((part) => {
    const m = /^([^=!]+)(==|=|!=)(.*)$/.exec(part);
    if (!m) throw badRequest(`invalid selector: '${selector}'; can't understand '${part}'`);
    const field = m[1]!.trim();
    if (field !== "metadata.name" && field !== "metadata.namespace" && !(supportedFields[gr] ?? []).includes(field)) {
      throw badRequest(`field label not supported: ${field}`);
    }
    return { field, op: m[2] === "!=" ? "!=" : "=", value: m[3]!.trim() };
  });
}

function fieldValue(obj: KubeObject, path: string): string {
  let cur: unknown = obj;
  for (const p of path.split(".")) {
    if (cur === null || typeof cur !== "object") return "";
    cur = (cur as Record<string, unknown>)[p];
  }
  if (path === "source" && cur && typeof cur === "object") return String((cur as { component?: string }).component ?? "");
  return cur === undefined || cur === null ? "" : String(cur);
}

export function matchesFields(reqs: FieldRequirement[], obj: KubeObject): boolean {
  for (const r of reqs) {
    const v = fieldValue(obj, r.field);
    if (r.op === "=" ? v !== r.value : v === r.value) return false;
  }
  return true;
}
