import { parse } from "yaml";
import { z } from "zod";
import { GPU_PRODUCT_LABEL, type GpuStrategy } from "@/lib/gpu/gpu-request";

/**
 * Reads the AI_INFN platform's accelerator catalogue (`resources/gpu-known-models.yaml`, see
 * reference/hub-anchors.md §5.2) into AI Hub GPU profiles, so an existing platform moves over
 * without retyping. AI_INFN runs the *single* MIG strategy (every slice is `nvidia.com/gpu`, the
 * model is chosen by `nvidia.com/gpu.product`); with `migStrategy: "mixed"` MIG products become
 * per-profile resources (`nvidia.com/mig-1g.10gb`) instead. `cpu-only` is not a profile: CPU-only
 * sessions are sessions without a profile.
 */

const modelSchema = z.object({
  name: z.string().min(1),
  short_name: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "must be a lowercase key such as mig-1g.10gb"),
  description: z.string().nullish(),
  node_selector: z.record(z.string(), z.string()).nullish(),
  memory_gb: z.number().nonnegative().nullish(),
  preference_weight: z.number().nullish(),
  type: z.string().nullish(),
  extended_resource: z.string().nullish(),
});

const fileSchema = z.object({ models: z.array(modelSchema) });

export interface ImportedGpuProfile {
  key: string;
  displayName: string;
  gpuMemoryGiB: number | null;
  strategy: GpuStrategy;
  resourceName: string;
  gpuCount: number;
  nodeSelector: Record<string, string>;
  tolerations: Array<{ key: string; operator: "Exists" | "Equal"; value?: string; effect: string }>;
  /** GPU-hours weight for accounting: GPU memory relative to a full 80 GB A100, at least 0.05. */
  accountingWeight: number;
  /** AI_INFN's node-affinity preference, kept to order the profiles (highest first). */
  sortOrder: number;
}

export interface ImportOptions {
  migStrategy: "single" | "mixed";
}

const MIG_PRODUCT = /-MIG-(\d+g\.\d+gb)$/;

export function importAiInfnCatalogue(yamlText: string, opts: ImportOptions = { migStrategy: "single" }): ImportedGpuProfile[] {
  const file = fileSchema.parse(parse(yamlText));
  const out: ImportedGpuProfile[] = [];
  for (const m of file.models) {
    if (m.short_name === "cpu-only" || !m.extended_resource) continue;
    const nodeSelector = { ...(m.node_selector ?? {}) };
    const product = nodeSelector[GPU_PRODUCT_LABEL];
    const mig = product ? MIG_PRODUCT.exec(product) : null;
    let strategy: GpuStrategy;
    let resourceName = m.extended_resource;
    if (m.extended_resource === "nvidia.com/gpu" && mig && opts.migStrategy === "mixed") {
      strategy = "mig-mixed";
      resourceName = `nvidia.com/mig-${mig[1]}`;
      // In mixed strategy the resource name itself selects the slice type.
      delete nodeSelector[GPU_PRODUCT_LABEL];
    } else if (m.extended_resource === "nvidia.com/gpu" && product) {
      strategy = "single";
    } else {
      strategy = "whole";
    }
    const mem = m.memory_gb ?? null;
    out.push({
      key: m.short_name,
      displayName: m.description && m.description !== "None" ? m.description : m.name,
      gpuMemoryGiB: mem,
      strategy,
      resourceName,
      gpuCount: 1,
      nodeSelector,
      // AI_INFN tolerates the PreferNoSchedule taint its GPU nodes carry.
      tolerations: m.extended_resource.startsWith("nvidia.com/") ? [{ key: "nvidia.com/gpu", operator: "Exists", effect: "PreferNoSchedule" }] : [],
      accountingWeight: mem ? Math.max(0.05, Math.round((mem / 80) * 1000) / 1000) : 1,
      sortOrder: m.preference_weight ?? 0,
    });
  }
  return out;
}
