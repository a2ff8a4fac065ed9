import { createHash } from "node:crypto";
import type { ResourceDef } from "../store/types";

/**
 * OpenAPI v3 documents: kubectl `apply -f` needs one per group-version, with
 * `x-kubernetes-group-version-kind` on every kind, and takes patch strategies for strategic merge
 * from the `x-kubernetes-patch-*` extensions. Schemas are permissive (unknown fields preserved);
 * only the lists that merge by key are spelled out.
 */
type Schema = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const open = (properties: Record<string, unknown> = {}, extra: Schema = {}): Schema => ({
  type: "object",
  properties,
  "x-kubernetes-preserve-unknown-fields": true,
  ...extra,
});
const mapOfStrings = { type: "object", additionalProperties: { type: "string", default: "" } };
const mergeList = (item: string, key: string, strategy = "merge"): Schema => ({
  type: "array",
  items: { allOf: [ref(item)], default: {} },
  "x-kubernetes-list-map-keys": [key],
  "x-kubernetes-list-type": "map",
  "x-kubernetes-patch-merge-key": key,
  "x-kubernetes-patch-strategy": strategy,
});

const meta = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
const core = "io.k8s.api.core.v1";

/** Shared schemas that the core and batch documents both carry. */
function sharedSchemas(): Record<string, Schema> {
  return {
    [meta]: open({
      name: { type: "string" },
      namespace: { type: "string" },
      labels: mapOfStrings,
      annotations: mapOfStrings,
      finalizers: { type: "array", items: { type: "string", default: "" }, "x-kubernetes-list-type": "set", "x-kubernetes-patch-strategy": "merge" },
      ownerReferences: mergeList("io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference", "uid"),
    }),
    "io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference": open(),
    [`${core}.EnvVar`]: open({ name: { type: "string" } }, { required: ["name"] }),
    [`${core}.VolumeMount`]: open({ mountPath: { type: "string" } }),
    [`${core}.ContainerPort`]: open({ containerPort: { type: "integer", format: "int32" } }),
    [`${core}.Volume`]: open({ name: { type: "string" } }),
    [`${core}.Toleration`]: open(),
    [`${core}.LocalObjectReference`]: open({ name: { type: "string" } }),
    [`${core}.PodSchedulingGate`]: open({ name: { type: "string" } }),
    [`${core}.Container`]: open({
      name: { type: "string" },
      image: { type: "string" },
      env: mergeList(`${core}.EnvVar`, "name"),
      volumeMounts: mergeList(`${core}.VolumeMount`, "mountPath"),
      ports: { ...mergeList(`${core}.ContainerPort`, "containerPort"), "x-kubernetes-list-map-keys": ["containerPort", "protocol"] },
      resources: open({ limits: open(), requests: open() }),
    }),
    [`${core}.PodSpec`]: open({
      containers: mergeList(`${core}.Container`, "name"),
      initContainers: mergeList(`${core}.Container`, "name"),
      volumes: mergeList(`${core}.Volume`, "name", "merge,retainKeys"),
      imagePullSecrets: mergeList(`${core}.LocalObjectReference`, "name"),
      schedulingGates: mergeList(`${core}.PodSchedulingGate`, "name"),
      tolerations: { type: "array", items: { allOf: [ref(`${core}.Toleration`)], default: {} }, "x-kubernetes-list-type": "atomic" },
      nodeSelector: { ...mapOfStrings, "x-kubernetes-map-type": "atomic" },
    }),
    [`${core}.PodTemplateSpec`]: open({ metadata: { allOf: [ref(meta)], default: {} }, spec: { allOf: [ref(`${core}.PodSpec`)], default: {} } }),
  };
}

const specRefs: Record<string, Record<string, unknown>> = {
  "/Pod": { spec: { allOf: [ref(`${core}.PodSpec`)], default: {} } },
  "batch/Job": { spec: open({ template: { allOf: [ref(`${core}.PodTemplateSpec`)], default: {} } }) },
};

function schemaName(def: ResourceDef): string {
  if (def.group === "") return `${core}.${def.kind}`;
  if (def.group === "batch" || def.group === "scheduling.k8s.io" || def.group === "coordination.k8s.io") {
    return `io.k8s.api.${def.group.split(".")[0]}.${def.version}.${def.kind}`;
  }
  return `${def.group.split(".").reverse().join(".")}.${def.version}.${def.kind}`;
}

/**
 * kubectl decides whether the server validates fields (`fieldValidation`) by finding the write
 * operations of a kind among the paths; without them it refuses to apply ("Path not found for GVK").
 */
function operationPaths(d: ResourceDef): [string, object][] {
  const base = `/${groupVersionPath(d)}${d.namespaced ? "/namespaces/{namespace}" : ""}/${d.plural}`;
  const gvk = { group: d.group, version: d.version, kind: d.kind };
  const params = [
    { name: "fieldValidation", in: "query", schema: { type: "string", uniqueItems: true } },
    { name: "fieldManager", in: "query", schema: { type: "string", uniqueItems: true } },
    { name: "dryRun", in: "query", schema: { type: "string", uniqueItems: true } },
  ];
  const op = (action: string) => ({
    operationId: `${action}${d.kind}`,
    parameters: params,
    responses: { "200": { description: "OK" } },
    "x-kubernetes-action": action,
    "x-kubernetes-group-version-kind": gvk,
  });
  return [
    [base, { post: op("post") }],
    [`${base}/{name}`, { put: op("put"), patch: op("patch") }],
  ];
}

export function groupVersionPath(def: ResourceDef): string {
  return def.group ? `apis/${def.group}/${def.version}` : `api/${def.version}`;
}

export function openApiDocument(path: string, defs: ResourceDef[]): object | undefined {
  const mine = defs.filter((d) => groupVersionPath(d) === path);
  if (!mine.length) return undefined;
  const schemas: Record<string, Schema> = sharedSchemas();
  for (const d of mine) {
    schemas[schemaName(d)] = open(
      {
        apiVersion: { type: "string" },
        kind: { type: "string" },
        metadata: { allOf: [ref(meta)], default: {} },
        ...(specRefs[`${d.group}/${d.kind}`] ?? {}),
      },
      { "x-kubernetes-group-version-kind": [{ group: d.group, kind: d.kind, version: d.version }] },
    );
  }
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: "v1.32.0-sim" },
    paths: Object.fromEntries(mine.flatMap(operationPaths)),
    components: { schemas },
  };
}

export function openApiIndex(defs: ResourceDef[]): object {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const d of defs) {
    const p = groupVersionPath(d);
    if (paths[p]) continue;
    // The hash changes when the set of kinds does, so kubectl's cache never serves stale schemas.
    const hash = createHash("sha256").update(defs.filter((x) => groupVersionPath(x) === p).map((x) => x.kind).join(",")).digest("hex").slice(0, 32).toUpperCase();
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hash}` };
  }
  return { paths };
}
