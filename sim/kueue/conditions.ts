/** metav1.Condition helpers with the API's semantics: lastTransitionTime moves only when status changes. */
export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  lastTransitionTime?: string;
  observedGeneration?: number;
}

export function findCondition(conds: Condition[] | undefined, type: string): Condition | undefined {
  return conds?.find((c) => c.type === type);
}

export function isTrue(obj: { status?: { conditions?: Condition[] } } | undefined, type: string): boolean {
  return findCondition(obj?.status?.conditions, type)?.status === "True";
}

/** Sets `c` in `conds` (in place); returns whether anything changed. */
export function setCondition(conds: Condition[], c: Omit<Condition, "lastTransitionTime">, now: string): boolean {
  const i = conds.findIndex((x) => x.type === c.type);
  if (i < 0) {
    conds.push({ ...c, lastTransitionTime: now });
    return true;
  }
  const old = conds[i]!;
  if (old.status === c.status && old.reason === c.reason && old.message === c.message && old.observedGeneration === c.observedGeneration) return false;
  conds[i] = { ...c, lastTransitionTime: old.status === c.status ? old.lastTransitionTime : now };
  return true;
}

/** Kubernetes timestamps have second precision. */
export const rfc3339 = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
