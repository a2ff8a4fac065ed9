import type { GpuDevice } from "../topology/devices";

/**
 * The NVIDIA DCGM exporter's exposition (reference §4.1–4.4) for the simulator's GPUs: flex mode
 * (GPU instances on MIG GPUs, whole GPUs otherwise), the Kubernetes pod mapping on, labels in the
 * exporter's template order: gpu, UUID, pci_bus_id, device, modelName, [GPU_I_PROFILE, GPU_I_ID],
 * Hostname, then DCGM_FI_DRIVER_VERSION and the sorted attributes container, namespace, pod.
 */
export interface DeviceActivity {
  device: GpuDevice;
  /** Holder of the device, if any. */
  pod?: { namespace: string; name: string };
  container?: string;
  /** Engine activity 0..1. */
  activity: number;
}

/** Activity of a device held by a pod that is not computing (a notebook kernel at rest). */
export const IDLE_HELD_ACTIVITY = 0.003;

/** NVML device name from the GFD product label ("NVIDIA-A100-SXM4-80GB" -> "NVIDIA A100-SXM4-80GB"). */
export function nvmlName(product: string): string {
  return product.replace(/-/g, " ").replace(/ (SXM\d?|PCIE|PCIe) /g, "-$1-").replace(/ (SXM\d?)$/, "-$1");
}

/** Board power (W) at idle and at full load, by model family; a generic 250 W card otherwise. */
function powerRange(model: string): [number, number] {
  if (/T4/i.test(model)) return [10, 70];
  if (/A30/i.test(model)) return [30, 165];
  if (/RTX.?5000/i.test(model)) return [15, 230];
  if (/A100.*SXM/i.test(model)) return [55, 400];
  if (/A100|H100.*PCIe/i.test(model)) return [40, 300];
  if (/H100|H200/i.test(model)) return [70, 700];
  return [30, 250];
}

const pciBusId = (gpuIndex: number) => `00000000:${(0x07 + gpuIndex * 8).toString(16).toUpperCase().padStart(2, "0")}:00.0`;
const esc = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
const round = (v: number, d: number) => Number(v.toFixed(d));

interface Family {
  name: string;
  help: string;
  wholeGpuOnly?: boolean;
  value(a: DeviceActivity, gpuActivity: number): number;
}

const families: Family[] = [
  { name: "DCGM_FI_DEV_GPU_UTIL", help: "GPU utilization (in %).", wholeGpuOnly: true, value: (a) => Math.round(a.activity * 100) },
  { name: "DCGM_FI_PROF_GR_ENGINE_ACTIVE", help: "Ratio of time the graphics engine is active.", value: (a) => round(a.activity, 6) },
  { name: "DCGM_FI_DEV_FB_USED", help: "Framebuffer memory used (in MiB).", value: (a) => usedMiB(a) },
  { name: "DCGM_FI_DEV_FB_FREE", help: "Framebuffer memory free (in MiB).", value: (a) => a.device.memoryMiB - usedMiB(a) },
  {
    name: "DCGM_FI_DEV_POWER_USAGE", help: "Power draw (in W).",
    value: (a, g) => {
      const [idle, max] = powerRange(a.device.model);
      return round(idle + (max - idle) * g, 3);
    },
  },
  { name: "DCGM_FI_DEV_GPU_TEMP", help: "GPU temperature (in C).", value: (_a, g) => Math.round(31 + 45 * g) },
  { name: "DCGM_FI_PROF_DRAM_ACTIVE", help: "Ratio of cycles the device memory interface is active sending or receiving data.", value: (a) => round(a.activity * 0.55, 6) },
];

/** A held device keeps a CUDA context (~5% of its memory); a computing one fills most of it. */
function usedMiB(a: DeviceActivity): number {
  if (!a.pod) return 0;
  return Math.round(a.device.memoryMiB * Math.min(0.95, 0.05 + 0.6 * a.activity));
}

export function renderDcgm(devices: DeviceActivity[], driverVersion: (node: string) => string): string {
  // Physical-GPU properties (power, temperature) follow the mean activity of the GPU's instances.
  const perGpu = new Map<string, { sum: number; n: number }>();
  for (const a of devices) {
    const k = `${a.device.node}/${a.device.gpuIndex}`;
    const e = perGpu.get(k) ?? { sum: 0, n: 0 };
    e.sum += a.activity;
    e.n += 1;
    perGpu.set(k, e);
  }
  const out: string[] = [];
  for (const f of families) {
    out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} gauge`);
    for (const a of devices) {
      const d = a.device;
      if (f.wholeGpuOnly && d.migProfile) continue;
      const l: [string, string][] = [
        ["gpu", String(d.gpuIndex)], ["UUID", d.uuid], ["pci_bus_id", pciBusId(d.gpuIndex)], ["device", `nvidia${d.gpuIndex}`], ["modelName", nvmlName(d.model)],
      ];
      if (d.migProfile) l.push(["GPU_I_PROFILE", d.migProfile], ["GPU_I_ID", String(d.gpuInstanceId ?? 0)]);
      l.push(["Hostname", d.node], ["DCGM_FI_DRIVER_VERSION", driverVersion(d.node)], ["container", a.container ?? ""], ["namespace", a.pod?.namespace ?? ""], ["pod", a.pod?.name ?? ""]);
      const g = perGpu.get(`${d.node}/${d.gpuIndex}`)!;
      out.push(`${f.name}{${l.map(([k, v]) => `${k}="${esc(v)}"`).join(",")}} ${f.value(a, g.sum / g.n)}`);
    }
  }
  return out.join("\n") + "\n";
}
