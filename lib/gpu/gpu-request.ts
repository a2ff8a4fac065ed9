import type { V1Toleration } from "@kubernetes/client-node";

/**
 * How a GPU profile is requested from Kubernetes, for both MIG strategies of the NVIDIA device
 * plugin (reference/kueue-gpu-metrics.md §3.1):
 * - `mig-mixed`: one extended resource per MIG profile, e.g. `nvidia.com/mig-1g.10gb: 1`;
 * - `single`: every device is `nvidia.com/gpu`, the model is chosen by the GFD label
 *   `nvidia.com/gpu.product` (what the AI_INFN platform runs);
 * - `whole`: any other extended resource (a full GPU, an FPGA), with an optional node selector.
 */
export const gpuStrategies = ["mig-mixed", "single", "whole"] as const;
export type GpuStrategy = (typeof gpuStrategies)[number];

export const GPU_PRODUCT_LABEL = "nvidia.com/gpu.product";

export interface GpuRequest {
  profileKey: string;
  strategy: GpuStrategy;
  /** Extended resource name, e.g. `nvidia.com/mig-1g.10gb` or `nvidia.com/gpu`. */
  resourceName: string;
  count: number;
  nodeSelector: Record<string, string>;
  tolerations: V1Toleration[];
}

/** Checks that a profile's fields agree with its strategy; returns the problems, empty when valid. */
export function gpuRequestProblems(g: GpuRequest): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(g.count) || g.count < 1) problems.push("count must be a positive integer");
  if (g.strategy === "mig-mixed" && !/^nvidia\.com\/mig-\d+g\.\d+gb(\.me)?$/.test(g.resourceName)) {
    problems.push(`mig-mixed needs a resource such as nvidia.com/mig-1g.10gb, not ${g.resourceName}`);
  }
  if (g.strategy === "single") {
    if (g.resourceName !== "nvidia.com/gpu") problems.push("single strategy requests nvidia.com/gpu");
    if (!g.nodeSelector[GPU_PRODUCT_LABEL]) problems.push(`single strategy needs a ${GPU_PRODUCT_LABEL} node selector`);
  }
  if (!/^[a-z0-9.-]+\/[A-Za-z0-9._-]+$/.test(g.resourceName)) problems.push(`${g.resourceName} is not an extended resource name`);
  return problems;
}

/** The requests/limits entry of the profile: extended resources must have requests equal to limits. */
export function gpuResourceQuantities(g: GpuRequest): Record<string, string> {
  return { [g.resourceName]: String(g.count) };
}

/** A GPU profile row (catalogue) as far as requesting it goes. */
export interface GpuProfileRow {
  key: string;
  strategy: string;
  resourceName: string;
  gpuCount: number;
  nodeSelector: unknown;
  tolerations: unknown;
}

/** How a catalogue profile is requested from Kubernetes (its strategy stored as `mig_mixed`, …). */
export function gpuRequestOf(p: GpuProfileRow): GpuRequest {
  return {
    profileKey: p.key,
    strategy: p.strategy.replace("_", "-") as GpuStrategy,
    resourceName: p.resourceName,
    count: p.gpuCount,
    nodeSelector: p.nodeSelector as Record<string, string>,
    tolerations: p.tolerations as GpuRequest["tolerations"],
  };
}

/** Whether a user of these groups may use the profile (no groups listed: everyone). */
export function profileAllowed(p: { allowedGroups: string[] }, groups: readonly string[]): boolean {
  return p.allowedGroups.length === 0 || p.allowedGroups.some((g) => groups.includes(g));
}
