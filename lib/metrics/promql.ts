/**
 * PromQL builders for the monitoring pages. Metric and label names follow the DCGM exporter and
 * kube-state-metrics (reference kueue-gpu-metrics §4, §6.2) and assume the DCGM series keep their
 * own `namespace`/`pod` labels (`honor_labels: true`). Every value that comes from outside (a pod
 * or namespace name) goes through `quote`/`quoteRegex`, never into the string as is.
 */

/** A PromQL string literal: backslash, double quote and line breaks escaped. */
export function quote(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\r/g, "\\r")}"`;
}

/** A PromQL string literal matching `value` exactly inside a regex matcher (`=~`). */
export function quoteRegex(value: string): string {
  return quote(value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
}

export interface Selector {
  [label: string]: string | { re: string } | { not: string } | undefined;
}

/** `{a="x",b=~"y",c!=""}` from an object; undefined entries are left out. */
export function selector(s: Selector): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(s)) {
    if (v === undefined) continue;
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k)) throw new Error(`invalid label name ${k}`);
    if (typeof v === "string") parts.push(`${k}=${quote(v)}`);
    else if ("re" in v) parts.push(`${k}=~${quote(v.re)}`);
    else parts.push(`${k}!=${quote(v.not)}`);
  }
  return `{${parts.join(",")}}`;
}

/** Prometheus duration such as 30m, 90s; validated so that it cannot smuggle PromQL. */
export function duration(d: string): string {
  if (!/^\d+(ms|s|m|h|d|w)$/.test(d)) throw new Error(`invalid duration ${d}`);
  return d;
}

/** GPU resources as kube-state-metrics sanitises them (`nvidia.com/mig-1g.10gb` → `nvidia_com_mig_1g_10gb`). */
export const GPU_RESOURCE_RE = "nvidia_com_gpu|nvidia_com_mig_.+";

/** The DCGM series of every device the cluster page shows. */
export const DEVICE_METRICS = {
  /** Engine activity 0–1, per MIG instance and per whole datacenter GPU. */
  engineActive: "DCGM_FI_PROF_GR_ENGINE_ACTIVE",
  /** 0–100, whole GPUs only: reads 0 or is absent on MIG instances (§4.3). */
  gpuUtil: "DCGM_FI_DEV_GPU_UTIL",
  fbUsed: "DCGM_FI_DEV_FB_USED",
  fbFree: "DCGM_FI_DEV_FB_FREE",
  power: "DCGM_FI_DEV_POWER_USAGE",
  temperature: "DCGM_FI_DEV_GPU_TEMP",
} as const;
export type DeviceMetric = keyof typeof DEVICE_METRICS;

/** One DCGM family for every device, optionally of one node. */
export function deviceSeries(metric: DeviceMetric, opts: { node?: string } = {}): string {
  return `${DEVICE_METRICS[metric]}${selector({ Hostname: opts.node })}`;
}

/**
 * Utilisation 0–1 of every device: engine activity for MIG instances (GPU_UTIL is not reported for
 * them), GPU_UTIL/100 for whole GPUs.
 */
export function deviceUtilisation(): string {
  return `${DEVICE_METRICS.engineActive}${selector({ GPU_I_ID: { not: "" } })} or (${DEVICE_METRICS.gpuUtil}${selector({ GPU_I_ID: "" })} / 100)`;
}

/** GPU activity 0–1 of each pod holding a device, whatever its kind. */
function podActivity(filter: Selector = {}): string {
  const f: Selector = { pod: { not: "" }, ...filter };
  return `max by (namespace, pod) (${DEVICE_METRICS.engineActive}${selector(f)} or (${DEVICE_METRICS.gpuUtil}${selector({ ...f, GPU_I_ID: "" })} / 100))`;
}

/** Running pods holding GPUs, with how many, from kube-state-metrics. */
export function gpuHolders(opts: { namespace?: string } = {}): string {
  return `sum by (namespace, pod) (kube_pod_container_resource_requests${selector({ namespace: opts.namespace, resource: { re: GPU_RESOURCE_RE } })}) and on (namespace, pod) (kube_pod_status_phase${selector({ namespace: opts.namespace, phase: "Running" })} == 1)`;
}

/**
 * Pods that hold a GPU, have run for at least `window`, and whose GPU activity stayed below
 * `threshold` (ratio) for all of `window`. The value is the peak activity over the window.
 */
export function idleGpuHolders(opts: { window?: string; threshold?: number; namespace?: string } = {}): string {
  const w = duration(opts.window ?? "30m");
  const threshold = opts.threshold ?? 0.05;
  if (!(threshold >= 0 && threshold <= 1)) throw new Error("threshold must be a ratio between 0 and 1");
  const ns = opts.namespace;
  return [
    `(max_over_time((${podActivity({ namespace: ns })})[${w}:]) < ${threshold})`,
    `and on (namespace, pod) (${gpuHolders({ namespace: ns })})`,
    `and on (namespace, pod) ((time() - kube_pod_start_time${selector({ namespace: ns })}) >= ${seconds(w)})`,
  ].join("\n");
}

function seconds(d: string): number {
  const m = /^(\d+)(ms|s|m|h|d|w)$/.exec(d)!;
  const n = Number(m[1]);
  const unit = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 }[m[2] as "s"];
  return n * unit;
}

/** Series of one pod for its session's chart: activity 0–1 and memory used (MiB). */
export function podSeries(opts: { namespace: string; pod: string }): { activity: string; memoryMiB: string } {
  const f = { namespace: opts.namespace, pod: opts.pod };
  return {
    activity: podActivity(f),
    memoryMiB: `sum by (namespace, pod) (${DEVICE_METRICS.fbUsed}${selector(f)})`,
  };
}

/** Devices allocatable per GPU resource, and requested by running pods, from kube-state-metrics. */
export function allocationTotals(): { allocatable: string; allocated: string } {
  return {
    allocatable: `sum by (resource) (kube_node_status_allocatable${selector({ resource: { re: GPU_RESOURCE_RE } })})`,
    allocated: `sum by (resource) (kube_pod_container_resource_requests${selector({ resource: { re: GPU_RESOURCE_RE } })} * on (namespace, pod) group_left() (max by (namespace, pod) (kube_pod_status_phase{phase="Running"}) == 1))`,
  };
}
