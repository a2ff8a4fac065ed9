import type { KubeObject } from "../store/types";
import { deepCopy } from "../store/copy";

/** Pure parts of the Job controller: pod failure policy, completed-index sets, pod templates. */

export const indexKey = "batch.kubernetes.io/job-completion-index";

export interface PolicyOutcome { action: "FailJob" | "Ignore" | "Count" | "FailIndex"; message?: string }

interface Rule {
  action: PolicyOutcome["action"];
  onExitCodes?: { containerName?: string; operator: "In" | "NotIn"; values: number[] };
  onPodConditions?: { type: string; status?: string }[];
}

/** The first matching podFailurePolicy rule for a failed pod, as the Job controller evaluates them; Count if none. */
export function matchPodFailurePolicy(job: KubeObject, pod: KubeObject): PolicyOutcome {
  const rules = (job.spec?.podFailurePolicy?.rules ?? []) as Rule[];
  const statuses = (pod.status?.containerStatuses ?? []) as { name: string; state?: { terminated?: { exitCode: number } } }[];
  for (const [i, r] of rules.entries()) {
    if (r.onExitCodes) {
      const e = r.onExitCodes;
      const hit = statuses.find((s) => {
        const code = s.state?.terminated?.exitCode;
        if (code === undefined || code === 0 || (e.containerName && e.containerName !== s.name)) return false;
        return e.operator === "In" ? e.values.includes(code) : !e.values.includes(code);
      });
      if (hit) return { action: r.action, message: `Container ${hit.name} for pod ${pod.metadata.namespace}/${pod.metadata.name} failed with exit code ${hit.state!.terminated!.exitCode} matching ${r.action} rule at index ${i}` };
    }
    if (r.onPodConditions) {
      const conds = (pod.status?.conditions ?? []) as { type: string; status: string }[];
      const hit = r.onPodConditions.find((pc) => conds.some((c) => c.type === pc.type && c.status === (pc.status ?? "True")));
      if (hit) return { action: r.action, message: `Pod ${pod.metadata.namespace}/${pod.metadata.name} has condition ${hit.type} matching ${r.action} rule at index ${i}` };
    }
  }
  return { action: "Count" };
}

/** "0-2,4,6-7" from a set of indexes (status.completedIndexes). */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

export function parseIndexes(s: string | undefined): Set<number> {
  const out = new Set<number>();
  for (const part of (s ?? "").split(",").filter(Boolean)) {
    const [a, b] = part.split("-").map(Number);
    for (let i = a!; i <= (b ?? a!); i++) out.add(i);
  }
  return out;
}

/** A pod for the Job from its current template (Kueue may have changed the selector), with the completion index if Indexed. */
export function podFromTemplate(job: KubeObject, index: number | undefined): KubeObject {
  const t = deepCopy(job.spec.template ?? {});
  const name = job.metadata.name!;
  const md = t.metadata ?? {};
  const spec = t.spec ?? {};
  const labels: Record<string, string> = { ...(md.labels ?? {}) };
  const annotations: Record<string, string> = { ...(md.annotations ?? {}) };
  if (index !== undefined) {
    labels[indexKey] = String(index);
    annotations[indexKey] = String(index);
    spec.hostname ??= `${name}-${index}`;
    for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
      c.env = [...(c.env ?? []).filter((e: { name: string }) => e.name !== "JOB_COMPLETION_INDEX"), { name: "JOB_COMPLETION_INDEX", valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${indexKey}']` } } }];
    }
  }
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      generateName: index !== undefined ? `${name}-${index}-` : `${name}-`,
      namespace: job.metadata.namespace,
      labels,
      annotations,
      ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name, uid: job.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    },
    spec,
  };
}
