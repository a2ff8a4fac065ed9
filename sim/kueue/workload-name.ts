import { createHash } from "node:crypto";

/**
 * Kueue's Workload name for an owner (`jobframework.GetWorkloadNameForOwnerWithGVK`, reference
 * kueue-gpu-metrics.md §1.8): `lower(kind)-<name>` cut to 247 characters, then `-` and the first 5 hex
 * digits of sha1("<Kind>\n<group>\n<name>\n<uid>"). Plain pods use kind "Pod" and the empty group.
 */
const maxPrefixLength = 247;
const hashLength = 5;

export function workloadNameForOwner(kind: string, group: string, name: string, uid: string): string {
  let prefix = `${kind.toLowerCase()}-${name}`;
  if (prefix.length > maxPrefixLength) prefix = prefix.slice(0, maxPrefixLength);
  const hash = createHash("sha1").update(`${kind}\n${group}\n${name}\n${uid}`).digest("hex");
  return `${prefix}-${hash.slice(0, hashLength)}`;
}

export const jobWorkloadName = (name: string, uid: string) => workloadNameForOwner("Job", "batch", name, uid);
export const podWorkloadName = (name: string, uid: string) => workloadNameForOwner("Pod", "", name, uid);
