import type { PrinterColumn, ResourceDef, Store } from "../store/types";

/** The built-in Kubernetes types the simulator serves (issue 3, point 3). */
const all = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

const core = (plural: string, kind: string, namespaced: boolean, extra: Partial<ResourceDef> = {}): ResourceDef => ({
  group: "",
  version: "v1",
  plural,
  singular: kind.toLowerCase(),
  kind,
  listKind: `${kind}List`,
  namespaced,
  verbs: all,
  ...extra,
});

export const builtinResources: { def: ResourceDef; printerColumns?: PrinterColumn[] }[] = [
  {
    def: core("namespaces", "Namespace", false, { shortNames: ["ns"], subresources: ["status", "finalize"], verbs: ["create", "delete", "get", "list", "patch", "update", "watch"] }),
    printerColumns: [{ name: "Status", type: "string", jsonPath: ".status.phase" }],
  },
  { def: core("nodes", "Node", false, { shortNames: ["no"], subresources: ["status"] }) },
  { def: core("pods", "Pod", true, { shortNames: ["po"], categories: ["all"], subresources: ["status", "log", "binding", "eviction"] }) },
  {
    def: core("services", "Service", true, { shortNames: ["svc"], categories: ["all"], subresources: ["status"], verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"] }),
    printerColumns: [
      { name: "Type", type: "string", jsonPath: ".spec.type" },
      { name: "Cluster-IP", type: "string", jsonPath: ".spec.clusterIP" },
      { name: "External-IP", type: "string", jsonPath: ".status.loadBalancer.ingress[0].ip" },
      { name: "Port(s)", type: "string", jsonPath: ".spec.ports" },
    ],
  },
  {
    def: core("persistentvolumeclaims", "PersistentVolumeClaim", true, { shortNames: ["pvc"], subresources: ["status"] }),
    printerColumns: [
      { name: "Status", type: "string", jsonPath: ".status.phase" },
      { name: "Volume", type: "string", jsonPath: ".spec.volumeName" },
      { name: "Capacity", type: "string", jsonPath: ".status.capacity.storage" },
      { name: "Access Modes", type: "string", jsonPath: ".status.accessModes" },
      { name: "StorageClass", type: "string", jsonPath: ".spec.storageClassName" },
    ],
  },
  { def: core("configmaps", "ConfigMap", true, { shortNames: ["cm"] }), printerColumns: [{ name: "Data", type: "integer", jsonPath: ".data" }] },
  {
    def: core("secrets", "Secret", true),
    printerColumns: [
      { name: "Type", type: "string", jsonPath: ".type" },
      { name: "Data", type: "integer", jsonPath: ".data" },
    ],
  },
  { def: core("serviceaccounts", "ServiceAccount", true, { shortNames: ["sa"] }) },
  {
    def: core("events", "Event", true, { shortNames: ["ev"] }),
    printerColumns: [
      { name: "Type", type: "string", jsonPath: ".type" },
      { name: "Reason", type: "string", jsonPath: ".reason" },
      { name: "Object", type: "string", jsonPath: ".involvedObject.name" },
      { name: "Message", type: "string", jsonPath: ".message" },
    ],
  },
  {
    def: { group: "batch", version: "v1", plural: "jobs", singular: "job", kind: "Job", listKind: "JobList", namespaced: true, categories: ["all"], subresources: ["status"], verbs: all },
  },
  {
    def: { group: "scheduling.k8s.io", version: "v1", plural: "priorityclasses", singular: "priorityclass", kind: "PriorityClass", listKind: "PriorityClassList", namespaced: false, shortNames: ["pc"], verbs: all },
    printerColumns: [
      { name: "Value", type: "integer", jsonPath: ".value" },
      { name: "Global-Default", type: "boolean", jsonPath: ".globalDefault" },
      { name: "PreemptionPolicy", type: "string", jsonPath: ".preemptionPolicy" },
    ],
  },
  {
    def: { group: "coordination.k8s.io", version: "v1", plural: "leases", singular: "lease", kind: "Lease", listKind: "LeaseList", namespaced: true, verbs: all },
    printerColumns: [{ name: "Holder", type: "string", jsonPath: ".spec.holderIdentity" }],
  },
];

export function registerBuiltins(store: Store): void {
  for (const r of builtinResources) store.register(r.def, { printerColumns: r.printerColumns });
}
