import { isValidQuantity } from "../store/quantity";
import type { FieldCause, KubeObject, ResourceDef, Store } from "../store/types";

/**
 * The Kueue API (kueue.x-k8s.io/v1beta1, reference §1.1–1.6): kinds, scopes, short names and
 * printer columns of Kueue's CRDs, the defaults of their OpenAPI schemas and the CEL/schema
 * validations that matter here, as admission hooks so a bad object gets the same 422 as on a cluster.
 */
export const KUEUE_GROUP = "kueue.x-k8s.io";
export const GR = {
  flavors: `${KUEUE_GROUP}/resourceflavors`,
  clusterQueues: `${KUEUE_GROUP}/clusterqueues`,
  localQueues: `${KUEUE_GROUP}/localqueues`,
  workloads: `${KUEUE_GROUP}/workloads`,
  priorityClasses: `${KUEUE_GROUP}/workloadpriorityclasses`,
} as const;

const verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
const def = (plural: string, kind: string, namespaced: boolean, shortNames: string[], status: boolean): ResourceDef => ({
  group: KUEUE_GROUP, version: "v1beta1", plural, singular: kind.toLowerCase(), kind, listKind: `${kind}List`, namespaced, shortNames,
  subresources: status ? ["status"] : [], verbs,
});

export function registerKueueTypes(store: Store): void {
  store.register(def("resourceflavors", "ResourceFlavor", false, ["flavor", "flavors", "rf"], false), { printerColumns: [{ name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" }] });
  store.register(def("clusterqueues", "ClusterQueue", false, ["cq"], true), {
    printerColumns: [
      { name: "Cohort", type: "string", jsonPath: ".spec.cohort" },
      { name: "Strategy", type: "string", jsonPath: ".spec.queueingStrategy", priority: 1 },
      { name: "Pending Workloads", type: "integer", jsonPath: ".status.pendingWorkloads" },
      { name: "Admitted Workloads", type: "integer", jsonPath: ".status.admittedWorkloads", priority: 1 },
    ],
  });
  store.register(def("localqueues", "LocalQueue", true, ["queue", "queues", "lq"], true), {
    printerColumns: [
      { name: "ClusterQueue", type: "string", jsonPath: ".spec.clusterQueue" },
      { name: "Pending Workloads", type: "integer", jsonPath: ".status.pendingWorkloads" },
      { name: "Admitted Workloads", type: "integer", jsonPath: ".status.admittedWorkloads" },
    ],
  });
  store.register(def("workloads", "Workload", true, ["wl", "kwl", "kueueworkload"], true), {
    printerColumns: [
      { name: "Queue", type: "string", jsonPath: ".spec.queueName" },
      { name: "Reserved in", type: "string", jsonPath: ".status.admission.clusterQueue" },
      { name: "Admitted", type: "string", jsonPath: ".status.conditions[?(@.type=='Admitted')].status" },
      { name: "Finished", type: "string", jsonPath: ".status.conditions[?(@.type=='Finished')].status" },
      { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
    ],
  });
  store.register(def("workloadpriorityclasses", "WorkloadPriorityClass", false, [], false), { printerColumns: [{ name: "Value", type: "integer", jsonPath: ".value" }] });

  store.addAdmission(GR.clusterQueues, { mutate: (o, _old, _op, sub) => sub !== "status" && defaultClusterQueue(o), validate: (o, old, _op, sub) => (sub === "status" ? [] : validateClusterQueue(o)) });
  store.addAdmission(GR.localQueues, {
    mutate: (o, _old, _op, sub) => { if (sub !== "status") o.spec = { stopPolicy: "None", ...(o.spec ?? {}) }; },
    validate: (o, old, op, sub) => (sub === "status" || op === "DELETE" ? [] : validateLocalQueue(o, old)),
  });
  store.addAdmission(GR.workloads, { mutate: (o, _old, _op, sub) => sub !== "status" && defaultWorkload(o), validate: (o, _old, op, sub) => (sub === "status" || op === "DELETE" ? [] : validateWorkload(o)) });
  store.addAdmission(GR.priorityClasses, {
    validate: (o, _old, op) => (op !== "DELETE" && typeof o.value !== "number" ? [{ field: "value", reason: "FieldValueRequired", message: "Required value" }] : []),
  });
}

const unsupported = (field: string, value: unknown, allowed: string[]): FieldCause => ({
  field, reason: "FieldValueNotSupported", message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${allowed.map((a) => `"${a}"`).join(", ")}`,
});
const cel = (field: string, message: string): FieldCause => ({ field, reason: "FieldValueInvalid", message: `Invalid value: "object": ${message}` });
const quantityPattern = "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$";

function defaultClusterQueue(o: KubeObject): void {
  const s = (o.spec ??= {});
  s.queueingStrategy ??= "BestEffortFIFO";
  s.stopPolicy ??= "None";
  s.flavorFungibility = { whenCanBorrow: "Borrow", whenCanPreempt: "TryNextFlavor", ...(s.flavorFungibility ?? {}) };
  s.preemption = { reclaimWithinCohort: "Never", withinClusterQueue: "Never", ...(s.preemption ?? {}) };
  s.preemption.borrowWithinCohort = { policy: "Never", ...(s.preemption.borrowWithinCohort ?? {}) };
  s.resourceGroups ??= [];
}

export function validateClusterQueue(o: KubeObject): FieldCause[] {
  const s = o.spec ?? {};
  const causes: FieldCause[] = [];
  if (!["StrictFIFO", "BestEffortFIFO"].includes(s.queueingStrategy)) causes.push(unsupported("spec.queueingStrategy", s.queueingStrategy, ["StrictFIFO", "BestEffortFIFO"]));
  const p = s.preemption ?? {};
  if (!["Never", "LowerPriority", "Any"].includes(p.reclaimWithinCohort)) causes.push(unsupported("spec.preemption.reclaimWithinCohort", p.reclaimWithinCohort, ["Never", "LowerPriority", "Any"]));
  if (!["Never", "LowerPriority", "LowerOrNewerEqualPriority"].includes(p.withinClusterQueue)) causes.push(unsupported("spec.preemption.withinClusterQueue", p.withinClusterQueue, ["Never", "LowerPriority", "LowerOrNewerEqualPriority"]));
  if (!["Never", "LowerPriority"].includes(p.borrowWithinCohort?.policy)) causes.push(unsupported("spec.preemption.borrowWithinCohort.policy", p.borrowWithinCohort?.policy, ["Never", "LowerPriority"]));
  if (p.reclaimWithinCohort === "Never" && p.borrowWithinCohort?.policy && p.borrowWithinCohort.policy !== "Never") causes.push(cel("spec.preemption", "reclaimWithinCohort=Never and borrowWithinCohort.Policy!=Never"));
  const groups: { coveredResources?: string[]; flavors?: { name?: string; resources?: { name?: string; nominalQuota?: unknown; borrowingLimit?: unknown; lendingLimit?: unknown }[] }[] }[] = s.resourceGroups ?? [];
  if (groups.length > 16) causes.push({ field: "spec.resourceGroups", reason: "FieldValueInvalid", message: `Too many: ${groups.length}: must have at most 16 items` });
  let hasBorrowingLimit = false;
  let hasLendingLimit = false;
  const seenFlavors = new Set<string>();
  groups.forEach((g, gi) => {
    const gp = `spec.resourceGroups[${gi}]`;
    if (!g.coveredResources?.length) causes.push({ field: `${gp}.coveredResources`, reason: "FieldValueRequired", message: "Required value" });
    if (!g.flavors?.length) causes.push({ field: `${gp}.flavors`, reason: "FieldValueRequired", message: "Required value" });
    (g.flavors ?? []).forEach((f, fi) => {
      const fp = `${gp}.flavors[${fi}]`;
      if (!f.name) causes.push({ field: `${fp}.name`, reason: "FieldValueRequired", message: "Required value" });
      else if (seenFlavors.has(f.name)) causes.push({ field: `${fp}.name`, reason: "FieldValueDuplicate", message: `Duplicate value: ${JSON.stringify(f.name)}` });
      else seenFlavors.add(f.name);
      if ((f.resources ?? []).length !== (g.coveredResources ?? []).length) causes.push(cel(gp, "flavors must have the same number of resources as the coveredResources"));
      (f.resources ?? []).forEach((r, ri) => {
        const rp = `${fp}.resources[${ri}]`;
        if (r.name && g.coveredResources && !g.coveredResources.includes(r.name)) causes.push({ field: `${rp}.name`, reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(r.name)}: must be one of the coveredResources` });
        if (r.nominalQuota === undefined) causes.push({ field: `${rp}.nominalQuota`, reason: "FieldValueRequired", message: "Required value" });
        for (const k of ["nominalQuota", "borrowingLimit", "lendingLimit"] as const) {
          if (r[k] !== undefined && !isValidQuantity(r[k])) causes.push({ field: `${rp}.${k}`, reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(r[k])}: ${rp}.${k} in body should match '${quantityPattern}'` });
        }
        if (r.borrowingLimit !== undefined) hasBorrowingLimit = true;
        if (r.lendingLimit !== undefined) hasLendingLimit = true;
      });
    });
  });
  if (!s.cohort && hasBorrowingLimit) causes.push(cel("spec", "borrowingLimit must be nil when cohort is empty"));
  if (!s.cohort && hasLendingLimit) causes.push(cel("spec", "lendingLimit must be nil when cohort is empty"));
  return causes;
}

function validateLocalQueue(o: KubeObject, old: KubeObject | undefined): FieldCause[] {
  if (!o.spec?.clusterQueue) return [{ field: "spec.clusterQueue", reason: "FieldValueRequired", message: "Required value" }];
  if (old && old.spec?.clusterQueue !== o.spec.clusterQueue) return [{ field: "spec.clusterQueue", reason: "FieldValueInvalid", message: `Invalid value: "string": field is immutable` }];
  return [];
}

function defaultWorkload(o: KubeObject): void {
  const s = (o.spec ??= {});
  s.active ??= true;
  for (const ps of s.podSets ?? []) {
    ps.name ??= "main";
    ps.count ??= 1;
  }
}

function validateWorkload(o: KubeObject): FieldCause[] {
  const ps = o.spec?.podSets;
  if (!Array.isArray(ps) || ps.length === 0) return [{ field: "spec.podSets", reason: "FieldValueRequired", message: "Required value" }];
  if (ps.length > 8) return [{ field: "spec.podSets", reason: "FieldValueInvalid", message: `Too many: ${ps.length}: must have at most 8 items` }];
  return [];
}
