/**
 * The simulator's topology, parsed from YAML (owned by sim/topology: load.ts validates files into
 * this shape and lists every error with its path). See sim/docs/runtime.md for the file format.
 */
export type MigStrategy = "none" | "single" | "mixed";

export interface GpuSpec {
  /** GFD product name, e.g. "NVIDIA-A100-80GB-PCIe", "Tesla-T4". */
  model: string;
  count: number;
  memoryMiB: number;
  /** MIG layout per GPU (index -> profile list such as ["1g.10gb", "1g.10gb", "2g.20gb"]); absent = no MIG. */
  mig?: string[][];
}

export interface NodeSpec {
  name: string;
  labels: Record<string, string>;
  taints: { key: string; value?: string; effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute" }[];
  cpu: string; // quantity, e.g. "64"
  memory: string; // quantity, e.g. "512Gi"
  pods?: number;
  gpus: GpuSpec[];
  migStrategy: MigStrategy;
  /** interLink virtual node: extra start latency in (simulated) ms. */
  virtual?: { startLatencyMs: number };
}

export interface ImageSpec {
  /** Image reference or prefix ("*" suffix matches any tag). */
  match: string;
  pullMs?: number;
  missing?: boolean;
  /**
   * Run this local program for the container instead of the built-in stub: argv is `command` followed
   * by the container's `args` (the container's own `command` names a binary inside the image, which
   * does not exist here), or the container's command + args when `useContainerCommand` is true.
   */
  program?: { command: string[]; env?: Record<string, string>; useContainerCommand?: boolean };
}

export interface Topology {
  nodes: NodeSpec[];
  images: ImageSpec[];
  defaultPullMs: number;
}
