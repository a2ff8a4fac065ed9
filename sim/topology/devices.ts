import { createHash } from "node:crypto";
import { migFamily } from "./gpu-models";
import type { NodeSpec } from "./types";

/** One schedulable GPU device on a node: a whole GPU or a MIG instance. */
export interface GpuDevice {
  node: string;
  /** The extended resource a pod requests to get this device. */
  resource: string;
  /** Physical GPU index on the node (DCGM "gpu" label). */
  gpuIndex: number;
  /** Physical GPU UUID ("GPU-…"); the MIG instance UUID, if any, is in migUuid. */
  uuid: string;
  model: string;
  /** Memory of this device (the MIG instance's, or the whole GPU's). */
  memoryMiB: number;
  migProfile?: string;
  gpuInstanceId?: number;
  migUuid?: string;
}

function fakeUuid(prefix: string, seed: string): string {
  const h = createHash("sha1").update(seed).digest("hex");
  return `${prefix}-${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** nvidia-smi style GPU instance ids: larger instances get the low ids, 1g slices start at 7. */
const firstGiId: Record<number, number> = { 7: 0, 4: 1, 3: 1, 2: 3, 1: 7 };

export function migResourceName(profile: string): string {
  return `nvidia.com/${"mig-" + profile}`.replace(/\+/g, ".");
}

/** Every device the node's device plugin would advertise, in a stable order. */
export function nodeDevices(node: NodeSpec): GpuDevice[] {
  const out: GpuDevice[] = [];
  let gpuIndex = 0;
  for (const g of node.gpus) {
    const family = migFamily(g.model);
    for (let i = 0; i < g.count; i++, gpuIndex++) {
      const uuid = fakeUuid("GPU", `${node.name}/${gpuIndex}`);
      const layout = g.mig?.[i] ?? [];
      if (!layout.length || !family || node.migStrategy === "none") {
        out.push({ node: node.name, resource: "nvidia.com/gpu", gpuIndex, uuid, model: g.model, memoryMiB: g.memoryMiB });
        continue;
      }
      const used = new Set<number>();
      const sorted = [...layout].sort((a, b) => (family.profiles.find((x) => x.name === b)?.computeSlices ?? 0) - (family.profiles.find((x) => x.name === a)?.computeSlices ?? 0));
      for (const profile of sorted) {
        const prof = family.profiles.find((x) => x.name === profile)!;
        let id = firstGiId[prof.computeSlices] ?? 0;
        while (used.has(id)) id++;
        used.add(id);
        out.push({
          node: node.name, resource: node.migStrategy === "single" ? "nvidia.com/gpu" : migResourceName(profile), gpuIndex, uuid,
          model: g.model, memoryMiB: prof.memoryMiB, migProfile: profile, gpuInstanceId: id, migUuid: fakeUuid("MIG", `${node.name}/${gpuIndex}/${id}`),
        });
      }
    }
  }
  return out;
}
