import type { KubeObject } from "../store/types";
import type { Resources } from "./pod-resources";

/** Pure filter and score functions of the scheduler (kube-scheduler plugins, simplified). */

export interface Taint { key: string; value?: string; effect: string }
export interface Toleration { key?: string; operator?: "Exists" | "Equal"; value?: string; effect?: string }
interface Requirement { key: string; operator: string; values?: string[] }
interface Term { matchExpressions?: Requirement[]; matchFields?: Requirement[] }

export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (!t.key) return t.operator === "Exists"; // empty key + Exists tolerates everything
  if (t.key !== taint.key) return false;
  if (t.operator === "Exists") return true;
  return (t.value ?? "") === (taint.value ?? "");
}

/** The first NoSchedule/NoExecute taint the pod does not tolerate (PreferNoSchedule only scores). */
export function untoleratedTaint(pod: KubeObject, node: KubeObject): Taint | undefined {
  const tols = (pod.spec?.tolerations ?? []) as Toleration[];
  return ((node.spec?.taints ?? []) as Taint[]).find((taint) => taint.effect !== "PreferNoSchedule" && !tols.some((t) => tolerates(t, taint)));
}

function matchRequirement(r: Requirement, get: (k: string) => string | undefined): boolean {
  const v = get(r.key);
  const vals = r.values ?? [];
  switch (r.operator) {
    case "In": return v !== undefined && vals.includes(v);
    case "NotIn": return v === undefined || !vals.includes(v);
    case "Exists": return v !== undefined;
    case "DoesNotExist": return v === undefined;
    case "Gt":
    case "Lt": {
      if (v === undefined || !/^-?\d+$/.test(v) || !/^-?\d+$/.test(vals[0] ?? "")) return false;
      return r.operator === "Gt" ? Number(v) > Number(vals[0]) : Number(v) < Number(vals[0]);
    }
    default: return false;
  }
}

export function matchTerm(term: Term, node: KubeObject): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (!exprs.length && !fields.length) return false; // an empty term matches no objects
  const labels = node.metadata.labels ?? {};
  return exprs.every((r) => matchRequirement(r, (k) => labels[k])) && fields.every((r) => matchRequirement(r, (k) => (k === "metadata.name" ? node.metadata.name : undefined)));
}

/** nodeSelector AND required node affinity (terms ORed). */
export function matchesNodeSelection(pod: KubeObject, node: KubeObject): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries((pod.spec?.nodeSelector ?? {}) as Record<string, string>)) if (labels[k] !== v) return false;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms as Term[] | undefined;
  if (terms && !terms.some((t) => matchTerm(t, node))) return false;
  return true;
}

/** Sum of weights of matching preferred terms, minus untolerated PreferNoSchedule taints: higher is better. */
export function preferenceScore(pod: KubeObject, node: KubeObject): number {
  const prefs = (pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) as { weight: number; preference: Term }[];
  let score = 0;
  for (const p of prefs) if (matchTerm(p.preference, node)) score += p.weight;
  const tols = (pod.spec?.tolerations ?? []) as Toleration[];
  for (const taint of (node.spec?.taints ?? []) as Taint[]) if (taint.effect === "PreferNoSchedule" && !tols.some((t) => tolerates(t, taint))) score -= 1;
  return score;
}

/** Resources the pod asks for beyond what is free; "pods" is reported as Too many pods. */
export function insufficient(req: Resources, allocatable: Resources, used: Resources): string[] {
  const out: string[] = [];
  for (const [r, v] of req) {
    if (v <= 0) continue;
    if (v > (allocatable.get(r) ?? 0) - (used.get(r) ?? 0)) out.push(r === "pods" ? "Too many pods" : `Insufficient ${r}`);
  }
  return out;
}

/** Why a node cannot take the pod, as kube-scheduler words it; [] if it fits. `resourceOnly` marks failures preemption could fix. */
export function filterNode(pod: KubeObject, req: Resources, node: KubeObject, allocatable: Resources, used: Resources): { reasons: string[]; resourceOnly: boolean } {
  if (node.spec?.unschedulable) return { reasons: ["node(s) were unschedulable"], resourceOnly: false };
  if (!matchesNodeSelection(pod, node)) return { reasons: ["node(s) didn't match Pod's node affinity/selector"], resourceOnly: false };
  const taint = untoleratedTaint(pod, node);
  if (taint) return { reasons: [`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ""}}`], resourceOnly: false };
  const res = insufficient(req, allocatable, used);
  // Removing pods cannot help when the request exceeds what the empty node offers.
  const fitsEmpty = insufficient(req, allocatable, new Map()).length === 0;
  return { reasons: res, resourceOnly: res.length > 0 && fitsEmpty };
}

/** "0/5 nodes are available: 3 Insufficient cpu, 2 node(s) had untolerated taint {…}." — reasons sorted like kube-scheduler. */
export function fitErrorMessage(total: number, reasons: Map<string, number>, preemption?: string): string {
  const parts = [...reasons].map(([r, n]) => `${n} ${r}`).sort();
  let msg = `0/${total} nodes are available${parts.length ? `: ${parts.join(", ")}` : ""}.`;
  if (preemption) msg += ` preemption: ${preemption}`;
  return msg;
}
