import type { V1Pod } from "@kubernetes/client-node";

/**
 * When a pod started holding its resources, and when it stopped, from its container statuses: the
 * cluster's own timestamps, so a record observed late still starts and ends when the pod did.
 */

/** The earliest running container's startedAt while the pod is Running and not terminating; else null. */
export function podRunningSince(pod: V1Pod): Date | null {
  if (pod.status?.phase !== "Running" || pod.metadata?.deletionTimestamp) return null;
  const starts = (pod.status.containerStatuses ?? [])
    .map((c) => c.state?.running?.startedAt)
    .filter((d): d is Date => d !== undefined && d !== null)
    .map((d) => new Date(d));
  if (starts.length === 0) return null;
  return new Date(Math.min(...starts.map((d) => d.getTime())));
}

/** The earliest start of any of its containers, running or since terminated; null before any started. */
export function podStartedAt(pod: V1Pod): Date | null {
  let first: number | null = null;
  for (const c of pod.status?.containerStatuses ?? []) {
    const at = c.state?.running?.startedAt ?? c.state?.terminated?.startedAt;
    if (at) first = Math.min(first ?? Infinity, new Date(at).getTime());
  }
  return first === null ? null : new Date(first);
}

/** The latest container finishedAt once the pod has finished (Succeeded/Failed, or every container terminated); else null. */
export function podTerminatedAt(pod: V1Pod): Date | null {
  const statuses = pod.status?.containerStatuses ?? [];
  const finished = statuses.map((c) => c.state?.terminated?.finishedAt).filter((d): d is Date => d !== undefined && d !== null);
  const done = pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed" || (statuses.length > 0 && finished.length === statuses.length);
  if (!done) return null;
  if (finished.length === 0) return null;
  return new Date(Math.max(...finished.map((d) => new Date(d).getTime())));
}
