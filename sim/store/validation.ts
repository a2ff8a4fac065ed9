import { deepCopy, jsonEqual } from "./copy";
import { isValidQuantity, parseQuantity } from "./quantity";
import { ApiError, type FieldCause, type KubeObject, type ResourceDef } from "./types";

/**
 * Validation of the fields the portal and the simulator use, with the real API server's messages
 * (k8s.io/apimachinery/pkg/util/validation) so a 422 reads the same as on a cluster.
 */
const subdomainRe = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const labelRe = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1035Re = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const namePartRe = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const labelValueRe = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const msgSubdomain = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const msgLabel = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const msgDns1035 = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const msgNamePart = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const msgLabelValue = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const msgQuantity = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

export const invalid = (field: string, value: unknown, detail: string): FieldCause => ({
  field,
  reason: "FieldValueInvalid",
  message: `Invalid value: ${JSON.stringify(value)}: ${detail}`,
});
export const required = (field: string, detail?: string): FieldCause => ({ field, reason: "FieldValueRequired", message: detail ? `Required value: ${detail}` : "Required value" });
export const forbidden = (field: string, detail: string): FieldCause => ({ field, reason: "FieldValueForbidden", message: `Forbidden: ${detail}` });
const unsupported = (field: string, value: unknown, allowed: string[]): FieldCause => ({
  field,
  reason: "FieldValueNotSupported",
  message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${allowed.map((a) => `"${a}"`).join(", ")}`,
});

/** The 422 the API server returns: `Pod "x" is invalid: field: message` (several causes in brackets). */
export function invalidError(def: ResourceDef, name: string, causes: FieldCause[]): ApiError {
  const parts = causes.map((c) => `${c.field}: ${c.message}`);
  const text = parts.length === 1 ? parts[0] : `[${parts.join(", ")}]`;
  return new ApiError(422, "Invalid", `${def.kind} "${name}" is invalid: ${text}`, { name, group: def.group, kind: def.kind, causes });
}

export function validateName(def: ResourceDef, name: string, field = "metadata.name"): FieldCause[] {
  if (def.plural === "namespaces") return name.length <= 63 && labelRe.test(name) ? [] : [invalid(field, name, msgLabel)];
  if (def.plural === "services") return name.length <= 63 && dns1035Re.test(name) ? [] : [invalid(field, name, msgDns1035)];
  if (name.length > 253) return [invalid(field, name, "must be no more than 253 characters")];
  return subdomainRe.test(name) ? [] : [invalid(field, name, msgSubdomain)];
}

function validateQualifiedKey(key: string, field: string): FieldCause[] {
  const slash = key.lastIndexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const out: FieldCause[] = [];
  if (prefix !== undefined && (!subdomainRe.test(prefix) || prefix.length > 253)) out.push(invalid(field, key, `prefix part ${msgSubdomain}`));
  if (!namePartRe.test(name)) out.push(invalid(field, key, msgNamePart));
  else if (name.length > 63) out.push(invalid(field, key, "name part must be no more than 63 characters"));
  return out;
}

export function validateMetadata(def: ResourceDef, obj: KubeObject): FieldCause[] {
  const md = obj.metadata;
  const out: FieldCause[] = [];
  if (!md.name) out.push(required("metadata.name", "name or generateName is required"));
  else out.push(...validateName(def, md.name));
  for (const [k, v] of Object.entries(md.labels ?? {})) {
    out.push(...validateQualifiedKey(k, "metadata.labels"));
    if (typeof v !== "string" || v.length > 63 || !labelValueRe.test(v)) out.push(invalid("metadata.labels", v, typeof v === "string" && v.length > 63 ? "must be no more than 63 characters" : msgLabelValue));
  }
  for (const k of Object.keys(md.annotations ?? {})) out.push(...validateQualifiedKey(k, "metadata.annotations"));
  return out;
}

function validateResources(res: { requests?: Record<string, unknown>; limits?: Record<string, unknown> } | undefined, path: string): FieldCause[] {
  const out: FieldCause[] = [];
  for (const kind of ["requests", "limits"] as const) {
    for (const [name, q] of Object.entries(res?.[kind] ?? {})) {
      const f = `${path}.${kind}[${name}]`;
      if (!isValidQuantity(q)) out.push(invalid(f, q, msgQuantity));
      else if (parseQuantity(q as string) < 0) out.push(invalid(f, q, "must be greater than or equal to 0"));
    }
  }
  return out;
}

type Container = { name?: string; image?: string; resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> } };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- pod specs are schemaless JSON here
export function validatePodSpec(spec: any, path: string, allowedRestart = ["Always", "OnFailure", "Never"]): FieldCause[] {
  const out: FieldCause[] = [];
  if (!spec || typeof spec !== "object") return [required(path)];
  const seen = new Set<string>();
  for (const list of ["initContainers", "containers"] as const) {
    const cs: unknown = spec[list];
    if (list === "containers" && (!Array.isArray(cs) || cs.length === 0)) {
      out.push(required(`${path}.containers`));
      continue;
    }
    if (cs === undefined) continue;
    if (!Array.isArray(cs)) {
      out.push(invalid(`${path}.${list}`, cs, "must be a list"));
      continue;
    }
    (cs as Container[]).forEach((c, i) => {
      const p = `${path}.${list}[${i}]`;
      if (!c?.name) out.push(required(`${p}.name`));
      else if (!labelRe.test(c.name) || c.name.length > 63) out.push(invalid(`${p}.name`, c.name, msgLabel));
      else if (seen.has(c.name)) out.push({ field: `${p}.name`, reason: "FieldValueDuplicate", message: `Duplicate value: ${JSON.stringify(c.name)}` });
      else seen.add(c.name);
      if (!c?.image) out.push(required(`${p}.image`));
      out.push(...validateResources(c?.resources, `${p}.resources`));
    });
  }
  if (spec.restartPolicy !== undefined && !allowedRestart.includes(spec.restartPolicy)) {
    out.push(unsupported(`${path}.restartPolicy`, spec.restartPolicy, allowedRestart));
  }
  for (const [k, v] of Object.entries((spec.nodeSelector ?? {}) as Record<string, unknown>)) {
    out.push(...validateQualifiedKey(k, `${path}.nodeSelector`));
    if (typeof v !== "string" || !labelValueRe.test(v)) out.push(invalid(`${path}.nodeSelector`, v, msgLabelValue));
  }
  return out;
}

/** Field causes for an object about to be stored (create, or update when `old` is given). */
export function validateObject(def: ResourceDef, obj: KubeObject, old?: KubeObject): FieldCause[] {
  const out = validateMetadata(def, obj);
  const key = def.group ? `${def.group}/${def.plural}` : def.plural;
  if (key === "pods") {
    out.push(...validatePodSpec(obj.spec, "spec"));
    if (old) out.push(...podUpdateCauses(old, obj));
  } else if (key === "batch/jobs") {
    const s = obj.spec ?? {};
    out.push(...validatePodSpec(s.template?.spec, "spec.template.spec", ["OnFailure", "Never"]));
    for (const f of ["parallelism", "completions", "backoffLimit", "activeDeadlineSeconds", "ttlSecondsAfterFinished"]) {
      if (s[f] !== undefined && s[f] !== null && (typeof s[f] !== "number" || s[f] < 0)) out.push(invalid(`spec.${f}`, s[f], "must be greater than or equal to 0"));
    }
    if (s.completionMode !== undefined && !["NonIndexed", "Indexed"].includes(s.completionMode)) out.push(unsupported("spec.completionMode", s.completionMode, ["NonIndexed", "Indexed"]));
    if (s.completionMode === "Indexed" && (s.completions === undefined || s.completions === null)) out.push(required("spec.completions", "when completion mode is Indexed"));
    if (old) out.push(...jobUpdateCauses(old, obj));
  } else if (key === "persistentvolumeclaims") {
    const storage = obj.spec?.resources?.requests?.storage;
    if (storage === undefined) out.push(required("spec.resources[storage]"));
    out.push(...validateResources(obj.spec?.resources, "spec.resources"));
  } else if (key === "scheduling.k8s.io/priorityclasses") {
    if (typeof obj.value !== "number") out.push(required("value"));
  }
  return out;
}

/** Deep equality ignoring key order (objects that differ only in key order after a patch compare equal). */
export const same = jsonEqual;

/**
 * Pod spec is immutable after creation except container images, activeDeadlineSeconds, added
 * tolerations, removed scheduling gates and, while gated, scheduling directives (gatedPodCauses). Setting spec.nodeName once is also let through here
 * (the real server only allows it via the binding subresource, which the in-process scheduler may
 * not use).
 */
function podUpdateCauses(old: KubeObject, obj: KubeObject): FieldCause[] {
  if (same(old.spec, obj.spec)) return [];
  const a = deepCopy(old.spec ?? {});
  const b = deepCopy(obj.spec ?? {});
  for (const s of [a, b]) {
    for (const list of ["containers", "initContainers"]) for (const c of s[list] ?? []) delete c.image;
    delete s.activeDeadlineSeconds;
  }
  const oldTol: unknown[] = a.tolerations ?? [];
  const newTol: unknown[] = b.tolerations ?? [];
  if (oldTol.every((t) => newTol.some((n) => same(n, t)))) {
    delete a.tolerations;
    delete b.tolerations;
  }
  const oldGates: { name: string }[] = a.schedulingGates ?? [];
  const newGates: { name: string }[] = b.schedulingGates ?? [];
  if (newGates.every((g) => oldGates.some((o) => o.name === g.name))) {
    delete a.schedulingGates;
    delete b.schedulingGates;
  }
  if (!a.nodeName && b.nodeName) delete b.nodeName;
  const out = (old.spec?.schedulingGates ?? []).length ? gatedPodCauses(a, b) : [];
  if (same(a, b)) return out;
  return [...out, forbidden("spec", "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)")];
}

/**
 * KEP-3838 (mutable scheduling directives): while the OLD pod has scheduling gates, nodeSelector
 * keys may be added (not changed or removed), preferred node affinity may change freely, and each
 * required node selector term may only gain requirements. Checked here, then the directives are
 * dropped from `a`/`b` (in place) so the generic immutability check ignores them, as the real
 * server's "munged spec" does.
 */
function gatedPodCauses(a: Record<string, unknown> & { nodeSelector?: Record<string, string>; affinity?: { nodeAffinity?: NodeAffinity } }, b: typeof a): FieldCause[] {
  const out: FieldCause[] = [];
  const oldSel = a.nodeSelector ?? {};
  const newSel = b.nodeSelector ?? {};
  if (Object.entries(oldSel).some(([k, v]) => newSel[k] !== v)) {
    out.push(invalid("spec.nodeSelector", b.nodeSelector ?? null, "only additions to spec.nodeSelector are allowed (no mutations or deletions)"));
  }
  delete a.nodeSelector;
  delete b.nodeSelector;
  const oldNA = a.affinity?.nodeAffinity;
  const newNA = b.affinity?.nodeAffinity;
  if (!same(oldNA, newNA)) {
    const path = "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms";
    const oldTerms = oldNA?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
    const newTerms = newNA?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
    if (oldTerms.length && oldTerms.length !== newTerms.length) {
      out.push(invalid(path, newTerms, "no additions/deletions to non-empty NodeSelectorTerms list are allowed"));
    } else {
      oldTerms.forEach((t, i) => {
        const n = newTerms[i] ?? {};
        const kept = (o: unknown[] | undefined, x: unknown[] | undefined) => (o ?? []).every((r) => (x ?? []).some((y) => same(r, y)));
        if (!kept(t.matchExpressions, n.matchExpressions) || !kept(t.matchFields, n.matchFields)) {
          out.push(invalid(`${path}[${i}]`, n, "only additions are allowed (no mutations or deletions)"));
        }
      });
    }
    for (const s of [a, b]) {
      if (!s.affinity) continue;
      const rest = { ...s.affinity };
      delete rest.nodeAffinity;
      if (Object.keys(rest).length) s.affinity = rest;
      else delete s.affinity;
    }
  }
  return out;
}
interface NodeSelectorTerm { matchExpressions?: unknown[]; matchFields?: unknown[] }
interface NodeAffinity { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] } }

/** Job selector and template are immutable; while suspended, Kueue may change scheduling directives. */
function jobUpdateCauses(old: KubeObject, obj: KubeObject): FieldCause[] {
  const out: FieldCause[] = [];
  if (!same(old.spec?.selector, obj.spec?.selector)) out.push(invalid("spec.selector", obj.spec?.selector, "field is immutable"));
  const a = deepCopy(old.spec?.template ?? {});
  const b = deepCopy(obj.spec?.template ?? {});
  if (old.spec?.suspend) {
    for (const t of [a, b]) {
      delete t.metadata?.labels;
      delete t.metadata?.annotations;
      for (const f of ["nodeSelector", "tolerations", "schedulingGates", "affinity"]) delete t.spec?.[f];
    }
  }
  if (!same(a, b)) out.push(invalid("spec.template", obj.spec?.template, "field is immutable"));
  if (old.spec?.completionMode !== obj.spec?.completionMode) out.push(invalid("spec.completionMode", obj.spec?.completionMode, "field is immutable"));
  return out;
}
