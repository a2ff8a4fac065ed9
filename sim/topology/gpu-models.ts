/**
 * What the simulator knows about GPU models: MIG profile tables (reference kueue-gpu-metrics.md §3.4,
 * nvidia-smi GI profile IDs and sizes), the mig-parted "all-balanced" layouts (§3.3), and the
 * GFD family/compute labels. Unknown models are allowed (whole GPUs only, memoryMiB required).
 */
export interface MigProfile {
  name: string; // "1g.10gb", "1g.10gb+me"
  id: number; // nvidia-smi GI profile id
  maxInstances: number;
  computeSlices: number;
  memorySlices: number;
  memoryMiB: number;
  multiprocessors: number;
  engines: { copy: number; decoder: number; encoder: number; jpeg: number; ofa: number };
}

export interface MigFamily {
  name: string;
  computeSlices: number;
  memorySlices: number;
  profiles: MigProfile[];
  balanced: string[];
}

function p(name: string, id: number, max: number, c: number, m: number, gib: number, sm: number): MigProfile {
  // Media engines: the full GPU and "+me" profiles get JPEG/OFA; decoders scale with compute slices.
  const me = name.endsWith("+me") || c >= 7;
  const dec = c >= 7 ? 5 : name.endsWith("+me") ? 1 : Math.floor(c / 2);
  return {
    name, id, maxInstances: max, computeSlices: c, memorySlices: m, memoryMiB: Math.round(gib * 1024), multiprocessors: sm,
    engines: { copy: Math.max(1, c), decoder: dec, encoder: 0, jpeg: me ? 1 : 0, ofa: me ? 1 : 0 },
  };
}

const a100x80: MigProfile[] = [
  p("1g.10gb", 19, 7, 1, 1, 9.5, 14), p("1g.10gb+me", 20, 1, 1, 1, 9.5, 14), p("1g.20gb", 15, 4, 1, 2, 19.5, 14),
  p("2g.20gb", 14, 3, 2, 2, 19.5, 28), p("3g.40gb", 9, 2, 3, 4, 39.25, 42), p("4g.40gb", 5, 1, 4, 4, 39.25, 56),
  p("7g.80gb", 0, 1, 7, 8, 79, 98),
];

export const migFamilies: { match: RegExp; family: MigFamily }[] = [
  {
    match: /A100.*80GB|H100.*80GB|H100-(SXM|PCIe)/i,
    family: { name: "A100/H100-80GB", computeSlices: 7, memorySlices: 8, profiles: a100x80, balanced: ["1g.10gb", "1g.10gb", "2g.20gb", "3g.40gb"] },
  },
  {
    match: /A100/i,
    family: {
      name: "A100-40GB", computeSlices: 7, memorySlices: 8, balanced: ["1g.5gb", "1g.5gb", "2g.10gb", "3g.20gb"],
      profiles: [
        p("1g.5gb", 19, 7, 1, 1, 4.75, 14), p("1g.5gb+me", 20, 1, 1, 1, 4.75, 14), p("1g.10gb", 15, 4, 1, 2, 9.62, 14),
        p("2g.10gb", 14, 3, 2, 2, 9.62, 28), p("3g.20gb", 9, 2, 3, 4, 19.5, 42), p("4g.20gb", 5, 1, 4, 4, 19.5, 56),
        p("7g.40gb", 0, 1, 7, 8, 39.38, 98),
      ],
    },
  },
  {
    match: /A30/i,
    family: {
      name: "A30-24GB", computeSlices: 4, memorySlices: 4, balanced: ["1g.6gb", "1g.6gb", "2g.12gb"],
      profiles: [
        p("1g.6gb", 14, 4, 1, 1, 5.81, 14), p("1g.6gb+me", 21, 1, 1, 1, 5.81, 14), p("2g.12gb", 5, 2, 2, 2, 11.69, 28),
        p("2g.12gb+me", 6, 1, 2, 2, 11.69, 28), p("4g.24gb", 0, 1, 4, 4, 23.44, 56),
      ],
    },
  },
  {
    match: /H200/i,
    family: {
      name: "H200-141GB", computeSlices: 7, memorySlices: 8, balanced: ["1g.18gb", "1g.18gb", "2g.35gb", "3g.71gb"],
      profiles: [
        p("1g.18gb", 19, 7, 1, 1, 16, 16), p("1g.18gb+me", 20, 1, 1, 1, 16, 16), p("1g.35gb", 15, 4, 1, 2, 32.5, 26),
        p("2g.35gb", 14, 3, 2, 2, 32.5, 32), p("3g.71gb", 9, 2, 3, 4, 70, 60), p("4g.71gb", 5, 1, 4, 4, 70, 64),
        p("7g.141gb", 0, 1, 7, 8, 140, 132),
      ],
    },
  },
];

export function migFamily(model: string): MigFamily | undefined {
  return migFamilies.find((f) => f.match.test(model))?.family;
}

/** Expands a mig-parted config name ("all-1g.10gb", "all-balanced") to one GPU's layout. */
export function namedLayout(family: MigFamily, name: string): string[] | undefined {
  if (name === "all-balanced") return [...family.balanced];
  if (name === "all-disabled") return [];
  const prof = name.startsWith("all-") ? family.profiles.find((x) => x.name === name.slice(4).replace(/\.me$/, "+me")) : undefined;
  if (!prof) return undefined;
  const n = prof.name.endsWith("+me") ? 1 : Math.min(prof.maxInstances, Math.floor(family.computeSlices / prof.computeSlices));
  return Array.from({ length: n }, () => prof.name);
}

interface KnownModel { memoryMiB: number; family: string; major: number; minor: number }

/** GFD values for models of the AI_INFN fleet and common data-centre GPUs. */
export const knownModels: Record<string, KnownModel> = {
  "Tesla-T4": { memoryMiB: 15360, family: "turing", major: 7, minor: 5 },
  "Quadro-RTX-5000": { memoryMiB: 16384, family: "turing", major: 7, minor: 5 },
  "NVIDIA-A100-80GB-PCIe": { memoryMiB: 81920, family: "ampere", major: 8, minor: 0 },
  "NVIDIA-A100-SXM4-80GB": { memoryMiB: 81920, family: "ampere", major: 8, minor: 0 },
  "NVIDIA-A100-PCIE-40GB": { memoryMiB: 40960, family: "ampere", major: 8, minor: 0 },
  "NVIDIA-A100-SXM4-40GB": { memoryMiB: 40960, family: "ampere", major: 8, minor: 0 },
  "NVIDIA-A100-SXM-64GB": { memoryMiB: 65536, family: "ampere", major: 8, minor: 0 },
  "NVIDIA-A30": { memoryMiB: 24576, family: "ampere", major: 8, minor: 0 },
  "NVIDIA-H100-80GB-HBM3": { memoryMiB: 81559, family: "hopper", major: 9, minor: 0 },
  "NVIDIA-H100-NVL": { memoryMiB: 95830, family: "hopper", major: 9, minor: 0 },
  "NVIDIA-H200": { memoryMiB: 143771, family: "hopper", major: 9, minor: 0 },
};

export function modelInfo(model: string): KnownModel | undefined {
  return knownModels[model];
}
