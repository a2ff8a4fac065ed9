import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { importAiInfnCatalogue } from "@/lib/catalog/import-ai-infn";
import { gpuRequestProblems } from "@/lib/gpu/gpu-request";

const text = readFileSync(new URL("./fixtures/ai-infn-gpu-known-models.yaml", import.meta.url), "utf8").toString();
const sample = `
models:
  - name: cpu-only
    short_name: cpu-only
    description: None
    node_selector: { accelerator: none }
    memory_gb: 0
    preference_weight: 100
    type:
  - name: NVIDIA-A100-80GB-PCIe-MIG-1g.10gb
    short_name: mig-1g.10gb
    description: nVidia A100 1g MIG partition (10 GB)
    node_selector: { nvidia.com/gpu.product: NVIDIA-A100-80GB-PCIe-MIG-1g.10gb }
    memory_gb: 10
    preference_weight: 9
    type: gpu
    extended_resource: nvidia.com/gpu
  - name: Tesla-T4
    short_name: t4
    description: nVidia T4 (16 GB)
    node_selector: { nvidia.com/gpu.product: Tesla-T4 }
    memory_gb: 16
    preference_weight: 8
    type: gpu
    extended_resource: nvidia.com/gpu
  - name: u55c
    short_name: u55c
    description: AMD-Xilinx U55c FPGA
    node_selector: { accelerator: u55c }
    memory_gb: null
    preference_weight: 1
    type: fpga
    extended_resource: amd.com/xilinx_u55c_gen3x16_xdma_base_3-0
`;

describe("importAiInfnCatalogue", () => {
  it("single strategy (AI_INFN): nvidia.com/gpu plus the product selector; cpu-only skipped", () => {
    const p = importAiInfnCatalogue(sample);
    expect(p.map((x) => x.key)).toEqual(["mig-1g.10gb", "t4", "u55c"]);
    const mig = p[0]!;
    expect(mig).toMatchObject({
      strategy: "single",
      resourceName: "nvidia.com/gpu",
      nodeSelector: { "nvidia.com/gpu.product": "NVIDIA-A100-80GB-PCIe-MIG-1g.10gb" },
      gpuMemoryGiB: 10,
      displayName: "nVidia A100 1g MIG partition (10 GB)",
      accountingWeight: 0.125,
    });
    expect(gpuRequestProblems({ ...mig, profileKey: mig.key, count: mig.gpuCount })).toEqual([]);
  });

  it("mixed strategy: MIG products become per-profile resources; whole GPUs stay nvidia.com/gpu", () => {
    const p = importAiInfnCatalogue(sample, { migStrategy: "mixed" });
    expect(p[0]).toMatchObject({ strategy: "mig-mixed", resourceName: "nvidia.com/mig-1g.10gb", nodeSelector: {} });
    expect(p[1]).toMatchObject({ strategy: "single", resourceName: "nvidia.com/gpu", nodeSelector: { "nvidia.com/gpu.product": "Tesla-T4" } });
  });

  it("other extended resources (FPGA) are whole devices with their node selector", () => {
    const fpga = importAiInfnCatalogue(sample).find((x) => x.key === "u55c")!;
    expect(fpga).toMatchObject({ strategy: "whole", resourceName: "amd.com/xilinx_u55c_gen3x16_xdma_base_3-0", nodeSelector: { accelerator: "u55c" }, tolerations: [] });
  });

  it("reads the real AI_INFN file and every profile is valid", () => {
    const p = importAiInfnCatalogue(text);
    expect(p.length).toBe(10);
    for (const x of p) expect(gpuRequestProblems({ ...x, profileKey: x.key, count: x.gpuCount })).toEqual([]);
  });

  it("rejects a malformed file with the path of the problem", () => {
    expect(() => importAiInfnCatalogue("models:\n  - name: x\n    short_name: Not Valid\n")).toThrow(/short_name/);
  });
});
