import { parseQuantity } from "../store/quantity";
import type { KubeObject } from "../store/types";

/**
 * The scheduler's view of Kueue objects: ClusterQueue quotas, ResourceFlavors and Workloads reduced to
 * numbers (quantities in base units), so quota and preemption logic is pure and table-testable.
 */
export type WithinClusterQueue = "Never" | "LowerPriority" | "LowerOrNewerEqualPriority";
export type ReclaimWithinCohort = "Never" | "LowerPriority" | "Any";

export interface ResourceQuota {
  nominal: number;
  borrowingLimit?: number;
  lendingLimit?: number;
}

export interface FlavorQuotas {
  name: string;
  resources: Map<string, ResourceQuota>;
}

export interface ResourceGroup {
  covered: string[];
  flavors: FlavorQuotas[];
}

export interface ClusterQueueModel {
  name: string;
  cohort?: string;
  strategy: "StrictFIFO" | "BestEffortFIFO";
  /** null: no namespace is eligible (Kueue's semantics for an absent selector). */
  namespaceSelector: LabelSelector | null;
  withinClusterQueue: WithinClusterQueue;
  reclaimWithinCohort: ReclaimWithinCohort;
  borrowWithinCohort: { policy: "Never" | "LowerPriority"; maxPriorityThreshold?: number };
  groups: ResourceGroup[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }[];
}

export interface Toleration {
  key?: string;
  operator?: "Exists" | "Equal";
  value?: string;
  effect?: string;
}

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export interface FlavorModel {
  name: string;
  nodeLabels: Record<string, string>;
  nodeTaints: Taint[];
  tolerations: Toleration[];
}

export interface PodSetModel {
  name: string;
  count: number;
  /** Requests of one pod, base units. */
  requests: Record<string, number>;
  nodeSelector: Record<string, string>;
  tolerations: Toleration[];
}

export interface WorkloadModel {
  /** "<namespace>/<name>" */
  key: string;
  uid: string;
  jobUid: string;
  clusterQueue: string;
  priority: number;
  /** Queue-order time (ms): creation time. */
  timestamp: number;
  podSets: PodSetModel[];
}

/** Usage per "flavor\u0000resource". */
export type Usage = Map<string, number>;
export const frKey = (flavor: string, resource: string) => `${flavor}\u0000${resource}`;
export const splitFr = (k: string): [string, string] => k.split("\u0000") as [string, string];

function q(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  return parseQuantity(v as string);
}

export function clusterQueueModel(cq: KubeObject): ClusterQueueModel {
  const spec = cq.spec ?? {};
  const groups: ResourceGroup[] = (spec.resourceGroups ?? []).map((g: { coveredResources?: string[]; flavors?: { name: string; resources?: { name: string; nominalQuota: unknown; borrowingLimit?: unknown; lendingLimit?: unknown }[] }[] }) => ({
    covered: g.coveredResources ?? [],
    flavors: (g.flavors ?? []).map((f) => ({
      name: f.name,
      resources: new Map((f.resources ?? []).map((r) => [r.name, { nominal: q(r.nominalQuota) ?? 0, borrowingLimit: q(r.borrowingLimit), lendingLimit: q(r.lendingLimit) }])),
    })),
  }));
  const p = spec.preemption ?? {};
  return {
    name: cq.metadata.name!,
    cohort: spec.cohort || undefined,
    strategy: spec.queueingStrategy === "StrictFIFO" ? "StrictFIFO" : "BestEffortFIFO",
    namespaceSelector: spec.namespaceSelector ?? null,
    withinClusterQueue: p.withinClusterQueue ?? "Never",
    reclaimWithinCohort: p.reclaimWithinCohort ?? "Never",
    borrowWithinCohort: { policy: p.borrowWithinCohort?.policy ?? "Never", maxPriorityThreshold: p.borrowWithinCohort?.maxPriorityThreshold },
    groups,
  };
}

export function flavorModel(rf: KubeObject): FlavorModel {
  return { name: rf.metadata.name!, nodeLabels: rf.spec?.nodeLabels ?? {}, nodeTaints: rf.spec?.nodeTaints ?? [], tolerations: rf.spec?.tolerations ?? [] };
}

type Resources = Record<string, unknown> | undefined;
interface ContainerLike { resources?: { requests?: Resources; limits?: Resources } }

/** Requests of one pod: sum of containers, at least the largest init container (as the scheduler counts). */
export function podRequests(podSpec: { containers?: ContainerLike[]; initContainers?: ContainerLike[] } | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  const of = (c: ContainerLike): Record<string, number> => {
    // The API server defaults requests to limits when only limits are given.
    const merged = { ...(c.resources?.limits ?? {}), ...(c.resources?.requests ?? {}) };
    const r: Record<string, number> = {};
    for (const [k, v] of Object.entries(merged)) {
      const n = parseQuantity(v as string);
      if (Number.isFinite(n) && n > 0) r[k] = n;
    }
    return r;
  };
  for (const c of podSpec?.containers ?? []) for (const [k, v] of Object.entries(of(c))) out[k] = (out[k] ?? 0) + v;
  for (const c of podSpec?.initContainers ?? []) for (const [k, v] of Object.entries(of(c))) out[k] = Math.max(out[k] ?? 0, v);
  return out;
}

// Stored objects are frozen and replaced on every change: what the scheduler derives from a
// Workload on every cycle is derived once per version instead.
const derived = new WeakMap<KubeObject, Omit<WorkloadModel, "clusterQueue" | "priority">>();

/** The scheduler's view of a Workload. Its pod sets may be shared with other calls: never change them. */
export function workloadModel(wl: KubeObject, priority: number): WorkloadModel {
  const frozen = Object.isFrozen(wl);
  let base = frozen ? derived.get(wl) : undefined;
  if (!base) {
    base = {
      key: `${wl.metadata.namespace}/${wl.metadata.name}`,
      uid: wl.metadata.uid ?? "",
      jobUid: wl.metadata.labels?.["kueue.x-k8s.io/job-uid"] ?? wl.metadata.ownerReferences?.[0]?.uid ?? "",
      timestamp: Date.parse(wl.metadata.creationTimestamp ?? "") || 0,
      podSets: parsePodSets(wl),
    };
    if (frozen) derived.set(wl, base);
  }
  return { ...base, clusterQueue: "", priority };
}

function parsePodSets(wl: KubeObject): PodSetModel[] {
  return (wl.spec?.podSets ?? []).map((ps: { name: string; count?: number; template?: { spec?: { nodeSelector?: Record<string, string>; tolerations?: Toleration[]; containers?: ContainerLike[]; initContainers?: ContainerLike[] } } }) => ({
    name: ps.name,
    count: ps.count ?? 1,
    requests: podRequests(ps.template?.spec),
    nodeSelector: ps.template?.spec?.nodeSelector ?? {},
    tolerations: ps.template?.spec?.tolerations ?? [],
  }));
}

export function matchesSelector(sel: LabelSelector | null, labels: Record<string, string>): boolean {
  if (!sel) return false;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = k(e.key, labels);
    if (e.operator === "In" && !(has && (e.values ?? []).includes(labels[e.key]!))) return false;
    if (e.operator === "NotIn" && has && (e.values ?? []).includes(labels[e.key]!)) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
  }
  return true;
}
const k = (key: string, labels: Record<string, string>) => Object.prototype.hasOwnProperty.call(labels, key);

export function tolerates(tols: Toleration[], t: Taint): boolean {
  return tols.some((tol) => {
    if (tol.effect && tol.effect !== t.effect) return false;
    if (tol.operator === "Exists") return !tol.key || tol.key === t.key;
    return tol.key === t.key && (tol.value ?? "") === (t.value ?? "");
  });
}
