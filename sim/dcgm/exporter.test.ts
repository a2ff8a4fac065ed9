import { describe, it, expect } from "vitest";
import type { GpuDevice } from "../topology/devices";
import { nvmlName, renderDcgm, type DeviceActivity } from "./exporter";
import { renderKsm, sanitize, unitOf } from "./kube-state-metrics";

const mig: GpuDevice = { node: "gpu-node-1", resource: "nvidia.com/mig-1g.10gb", gpuIndex: 0, uuid: "GPU-604ac76c-d9cf-fef3-62e9-d92044ab6e52", model: "NVIDIA-A100-SXM4-80GB", memoryMiB: 9728, migProfile: "1g.10gb", gpuInstanceId: 9 };
const whole: GpuDevice = { node: "gpu-node-1", resource: "nvidia.com/gpu", gpuIndex: 1, uuid: "GPU-5a8c", model: "Tesla-T4", memoryMiB: 15360 };
const lines = (text: string, name: string) => text.split("\n").filter((l) => l.startsWith(name + "{"));

describe("renderDcgm", () => {
  const text = renderDcgm([
    { device: mig, pod: { namespace: "user-alice", name: "jupyter-alice" }, container: "notebook", activity: 0.004103 },
    { device: whole, activity: 0 },
  ] satisfies DeviceActivity[], () => "550.90.07");

  it("labels a MIG instance held by a pod in the exporter's template order", () => {
    expect(lines(text, "DCGM_FI_PROF_GR_ENGINE_ACTIVE")[0]).toBe(
      'DCGM_FI_PROF_GR_ENGINE_ACTIVE{gpu="0",UUID="GPU-604ac76c-d9cf-fef3-62e9-d92044ab6e52",pci_bus_id="00000000:07:00.0",device="nvidia0",modelName="NVIDIA A100-SXM4-80GB",GPU_I_PROFILE="1g.10gb",GPU_I_ID="9",Hostname="gpu-node-1",DCGM_FI_DRIVER_VERSION="550.90.07",container="notebook",namespace="user-alice",pod="jupyter-alice"} 0.004103',
    );
  });

  it("gives unallocated devices empty pod labels and no memory use", () => {
    expect(lines(text, "DCGM_FI_DEV_FB_USED")[1]).toBe('DCGM_FI_DEV_FB_USED{gpu="1",UUID="GPU-5a8c",pci_bus_id="00000000:0F:00.0",device="nvidia1",modelName="Tesla T4",Hostname="gpu-node-1",DCGM_FI_DRIVER_VERSION="550.90.07",container="",namespace="",pod=""} 0');
    expect(lines(text, "DCGM_FI_DEV_FB_FREE")[1]).toMatch(/ 15360$/);
  });

  it("reports DCGM_FI_DEV_GPU_UTIL for whole GPUs only, as on MIG hardware", () => {
    expect(lines(text, "DCGM_FI_DEV_GPU_UTIL")).toHaveLength(1);
    expect(lines(text, "DCGM_FI_DEV_GPU_UTIL")[0]).toContain('gpu="1"');
  });

  it("has HELP and TYPE lines for every family", () => {
    for (const f of ["DCGM_FI_DEV_GPU_UTIL", "DCGM_FI_PROF_GR_ENGINE_ACTIVE", "DCGM_FI_DEV_FB_USED", "DCGM_FI_DEV_FB_FREE", "DCGM_FI_DEV_POWER_USAGE", "DCGM_FI_DEV_GPU_TEMP", "DCGM_FI_PROF_DRAM_ACTIVE"]) {
      expect(text).toContain(`# TYPE ${f} gauge`);
      expect(text).toContain(`# HELP ${f} `);
    }
  });

  it.each([["NVIDIA-A100-SXM4-80GB", "NVIDIA A100-SXM4-80GB"], ["Tesla-T4", "Tesla T4"], ["NVIDIA-A100-80GB-PCIe", "NVIDIA A100 80GB PCIe"], ["NVIDIA-A100-SXM-64GB", "NVIDIA A100-SXM-64GB"], ["Quadro-RTX-5000", "Quadro RTX 5000"]])("names %s as NVML does: %s", (p, n) => {
    expect(nvmlName(p)).toBe(n);
  });
});

describe("kube-state-metrics", () => {
  it.each([["nvidia.com/mig-1g.10gb", "nvidia_com_mig_1g_10gb", "integer"], ["cpu", "cpu", "core"], ["memory", "memory", "byte"], ["nvidia.com/gpu", "nvidia_com_gpu", "integer"]])("sanitises %s to %s (unit %s)", (r, s, u) => {
    expect(sanitize(r)).toBe(s);
    expect(unitOf(r)).toBe(u);
  });

  it("reports container requests (defaulted from limits) and node allocatable", () => {
    const text = renderKsm(
      [{ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "ns1", uid: "uid1" }, spec: { nodeName: "n1", containers: [{ name: "c", resources: { requests: { cpu: "500m" }, limits: { "nvidia.com/mig-1g.10gb": "1" } } }] }, status: { phase: "Running" } }],
      [{ apiVersion: "v1", kind: "Node", metadata: { name: "n1" }, status: { allocatable: { "nvidia.com/mig-1g.10gb": "7", memory: "1Gi" } } }],
    );
    expect(text).toContain('kube_pod_container_resource_requests{namespace="ns1",pod="p",uid="uid1",container="c",node="n1",resource="nvidia_com_mig_1g_10gb",unit="integer"} 1');
    expect(text).toContain('kube_pod_container_resource_requests{namespace="ns1",pod="p",uid="uid1",container="c",node="n1",resource="cpu",unit="core"} 0.5');
    expect(text).toContain('kube_node_status_allocatable{node="n1",resource="nvidia_com_mig_1g_10gb",unit="integer"} 7');
    expect(text).toContain('kube_node_status_allocatable{node="n1",resource="memory",unit="byte"} 1073741824');
    expect(text).toContain('kube_pod_status_phase{namespace="ns1",pod="p",uid="uid1",phase="Running"} 1');
  });
});
