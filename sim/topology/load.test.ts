import { describe, it, expect } from "vitest";
import { loadTopology, TopologyError } from "./load";
import { nodeObjects } from "./node-objects";
import { nodeDevices } from "./devices";
import type { KubeObject } from "../store/types";

function errorsOf(yaml: string): string[] {
  try {
    loadTopology(yaml);
  } catch (e) {
    if (e instanceof TopologyError) return e.errors;
    throw e;
  }
  throw new Error("expected a TopologyError");
}

describe("loadTopology", () => {
  it("loads the default topology with at least 14 1g.10gb slices and an interLink node", () => {
    const t = loadTopology();
    const slices = t.nodes.flatMap(nodeDevices).filter((d) => d.resource === "nvidia.com/mig-1g.10gb");
    expect(slices.length).toBeGreaterThanOrEqual(14);
    expect(t.nodes.some((n) => n.virtual)).toBe(true);
  });

  it("lists every error with its path in the file", () => {
    const errors = errorsOf(`
defaultPullMs: -1
nodes:
  - name: ok-node
    cpu: "4"
    memory: 8Gi
  - name: Bad_Name
    cpu: lots
    memory: 8Gi
    taints: [{ key: a, effect: Sometimes }]
  - name: mig
    cpu: "8"
    memory: 8Gi
    migStrategy: mixed
    gpus:
      - model: NVIDIA-A100-80GB-PCIe
        count: 2
        mig: [all-1g.10gb, [1g.10gb, 3g.40gb, 2g.20gb, 1g.11gb]]
  - name: t4
    cpu: "8"
    memory: 8Gi
    gpus: [{ model: Tesla-T4, count: 1, mig: [[1g.5gb]] }, { model: Mystery-GPU, count: 1 }]
images:
  - { pullMs: 3 }
`);
    expect(errors).toEqual(
      expect.arrayContaining([
        "defaultPullMs: must be a non-negative number of milliseconds",
        `nodes[1].name: must be a DNS-1123 subdomain, got "Bad_Name"`,
        `nodes[1].cpu: invalid quantity "lots"`,
        "nodes[1].taints[0].effect: must be one of NoSchedule, PreferNoSchedule, NoExecute",
        `nodes[2].gpus[0].mig[1][3]: unknown MIG profile "1g.11gb" for NVIDIA-A100-80GB-PCIe`,
        "nodes[3].gpus[0].mig: a MIG layout needs migStrategy single or mixed on the node",
        "nodes[3].gpus[0].mig: Tesla-T4 does not support MIG",
        "nodes[3].gpus[1].memoryMiB: required for a model the simulator does not know (Mystery-GPU)",
        "images[0].match: required: an image reference, or a prefix ending in *",
      ]),
    );
    expect(errors).toHaveLength(9);
  });

  it("rejects layouts over the GPU's slices and single strategy with mixed profiles", () => {
    const errors = errorsOf(`
nodes:
  - name: a
    cpu: "8"
    memory: 8Gi
    migStrategy: single
    gpus: [{ model: NVIDIA-A100-80GB-PCIe, count: 2, mig: [[7g.80gb, 1g.10gb], all-1g.10gb] }]
`);
    expect(errors).toContain("nodes[0].gpus[0].mig[0]: layout needs 8/7 compute and 9/8 memory slices of NVIDIA-A100-80GB-PCIe");
    expect(errors).toContain("nodes[0].migStrategy: single strategy needs one MIG profile on the node, found 7g.80gb, 1g.10gb (use mixed)");
  });

  it("names an unreadable file", () => {
    expect(errorsOf("/no/such/topology.yaml")).toEqual(['cannot read topology file "/no/such/topology.yaml"']);
  });
});

describe("nodeObjects", () => {
  const yaml = (strategy: string, layout: string) => `
nodes:
  - name: mig-node
    cpu: "16"
    memory: 64Gi
    migStrategy: ${strategy}
    gpus: [{ model: NVIDIA-A100-80GB-PCIe, count: 2, mig: ${layout} }]
  - name: vk
    cpu: "100"
    memory: 1Ti
    virtual: { startLatencyMs: 100 }
    gpus: [{ model: NVIDIA-A100-SXM-64GB, count: 4 }]
`;

  it("single strategy: MIG devices as nvidia.com/gpu and the -MIG- product", () => {
    const node = nodeObjects(loadTopology(yaml("single", "[all-1g.10gb, all-1g.10gb]")))[0]!;
    expect(node.status.allocatable).toMatchObject({ cpu: "16", memory: "64Gi", pods: "110", "nvidia.com/gpu": "14" });
    expect(node.metadata.labels).toMatchObject({
      "nvidia.com/mig.strategy": "single",
      "nvidia.com/gpu.product": "NVIDIA-A100-80GB-PCIe-MIG-1g.10gb",
      "nvidia.com/gpu.count": "14",
      "nvidia.com/gpu.memory": "9728",
      "nvidia.com/gpu.slices.gi": "1",
    });
    expect(node.status.conditions.find((c: { type: string }) => c.type === "Ready").status).toBe("True");
  });

  it("mixed strategy: one resource and label set per profile", () => {
    const [node, vk] = nodeObjects(loadTopology(yaml("mixed", "[all-1g.10gb, all-balanced]"))) as [KubeObject, KubeObject];
    expect(node.status.capacity).toMatchObject({ "nvidia.com/mig-1g.10gb": "9", "nvidia.com/mig-2g.20gb": "1", "nvidia.com/mig-3g.40gb": "1" });
    expect(node.status.capacity["nvidia.com/gpu"]).toBeUndefined();
    expect(node.metadata.labels).toMatchObject({
      "nvidia.com/mig.strategy": "mixed",
      "nvidia.com/gpu.product": "NVIDIA-A100-80GB-PCIe",
      "nvidia.com/gpu.count": "2",
      "nvidia.com/mig-1g.10gb.count": "9",
      "nvidia.com/mig-1g.10gb.product": "NVIDIA-A100-80GB-PCIe-MIG-1g.10gb",
      "nvidia.com/mig-3g.40gb.memory": "40192",
    });
    expect(vk.spec.taints).toEqual([{ key: "virtual-node.interlink/no-schedule", value: "true", effect: "NoSchedule" }]);
    expect(vk.metadata.labels).toMatchObject({ "virtual-node.interlink/type": "virtual-kubelet", "kubernetes.io/role": "agent", "nvidia-gpu-type": "NVIDIA-A100-SXM-64GB" });
    expect(vk.status.nodeInfo.architecture).toBe("virtual-kubelet");
    expect(vk.spec.providerID).toBe("external:///vk");
    expect(vk.status.allocatable["nvidia.com/gpu"]).toBe("4");
  });

  it("gives MIG instances nvidia-smi style GPU instance ids", () => {
    const t = loadTopology(yaml("mixed", "[all-1g.10gb, all-balanced]"));
    const devs = nodeDevices(t.nodes[0]!);
    expect(devs.filter((d) => d.gpuIndex === 0).map((d) => d.gpuInstanceId)).toEqual([7, 8, 9, 10, 11, 12, 13]);
    expect(devs.filter((d) => d.gpuIndex === 1).map((d) => [d.migProfile, d.gpuInstanceId])).toEqual([["3g.40gb", 1], ["2g.20gb", 3], ["1g.10gb", 7], ["1g.10gb", 8]]);
  });
});
