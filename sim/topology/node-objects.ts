import type { KubeObject } from "../store/types";
import { migFamily, modelInfo } from "./gpu-models";
import { migResourceName, nodeDevices } from "./devices";
import { interlinkTaintKey } from "./load";
import type { NodeSpec, Topology } from "./types";

/** Node addresses: 127.0.1.<n>, apart from the pod range the kubelet hands out (127.16.0.0 and up). */
export function nodeAddress(index: number): string {
  return `127.0.${1 + Math.floor(index / 250)}.${1 + (index % 250)}`;
}

/** v1 Node objects for every node of the topology, as the kubelet and GPU Feature Discovery would publish them. */
export function nodeObjects(topology: Topology, now = new Date()): KubeObject[] {
  return topology.nodes.map((n, i) => nodeObject(n, i, now));
}

export function nodeObject(n: NodeSpec, index: number, now = new Date()): KubeObject {
  const capacity: Record<string, string> = { cpu: n.cpu, memory: n.memory, pods: String(n.pods ?? 110), "ephemeral-storage": "500Gi" };
  for (const d of nodeDevices(n)) capacity[d.resource] = String(Number(capacity[d.resource] ?? 0) + 1);
  const labels: Record<string, string> = {
    "kubernetes.io/hostname": n.name,
    "kubernetes.io/os": n.virtual ? "virtual-kubelet" : "linux",
    "kubernetes.io/arch": "amd64",
    "beta.kubernetes.io/os": "linux",
    "beta.kubernetes.io/arch": "amd64",
    ...(n.virtual ? virtualLabels(n) : gfdLabels(n, now)),
    ...n.labels,
  };
  const taints = n.taints.map((t) => ({ key: t.key, ...(t.value !== undefined ? { value: t.value } : {}), effect: t.effect }));
  if (n.virtual && !taints.some((t) => t.key === interlinkTaintKey)) taints.unshift({ key: interlinkTaintKey, value: "true", effect: "NoSchedule" });
  const ts = now.toISOString();
  const cond = (type: string, status: string, reason: string, message: string) => ({ type, status, reason, message, lastHeartbeatTime: ts, lastTransitionTime: ts });
  const ip = nodeAddress(index);
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: n.name, labels, annotations: { "node.alpha.kubernetes.io/ttl": "0" } },
    spec: { ...(taints.length ? { taints } : {}), ...(n.virtual ? { providerID: `external:///${n.name}` } : {}) },
    status: {
      capacity,
      allocatable: { ...capacity },
      conditions: [
        cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        cond("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
      ],
      addresses: [{ type: "InternalIP", address: ip }, { type: "Hostname", address: n.name }],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: "", systemUUID: "", bootID: "", kernelVersion: "6.1.0-sim", osImage: n.virtual ? "interLink virtual kubelet (simulated)" : "Debian GNU/Linux 12 (bookworm)",
        containerRuntimeVersion: "sim://1.0.0", kubeletVersion: n.virtual ? "v1.32.0-vk-sim" : "v1.32.0-sim", kubeProxyVersion: "v1.32.0-sim",
        operatingSystem: "linux", architecture: n.virtual ? "virtual-kubelet" : "amd64",
      },
    },
  };
}

/** Labels interLink's virtual kubelet sets (reference §5.1). */
function virtualLabels(n: NodeSpec): Record<string, string> {
  const l: Record<string, string> = {
    "kubernetes.io/role": "agent",
    "virtual-node.interlink/type": "virtual-kubelet",
    "alpha.service-controller.kubernetes.io/exclude-balancer": "true",
    "node.kubernetes.io/exclude-from-external-load-balancers": "true",
  };
  if (n.gpus[0]) l["nvidia-gpu-type"] = n.gpus[0].model;
  return l;
}

/** GPU Feature Discovery labels (reference §3.2); with several models on one node GFD describes the first. */
function gfdLabels(n: NodeSpec, now: Date): Record<string, string> {
  const g = n.gpus[0];
  if (!g) return {};
  const info = modelInfo(g.model);
  const family = migFamily(g.model);
  const sliced = n.gpus.some((x) => x.mig?.some((l) => l.length));
  const l: Record<string, string> = {
    "nvidia.com/gpu.present": "true",
    "nvidia.com/gpu.product": g.model,
    "nvidia.com/gpu.count": String(n.gpus.reduce((s, x) => s + x.count, 0)),
    "nvidia.com/gpu.memory": String(g.memoryMiB),
    "nvidia.com/gpu.family": info?.family ?? "unknown",
    "nvidia.com/gpu.machine": "SIM-GPU-SERVER",
    "nvidia.com/gpu.replicas": "1",
    "nvidia.com/gpu.sharing-strategy": "none",
    "nvidia.com/gpu.mode": "compute",
    "nvidia.com/gpu.compute.major": String(info?.major ?? 0),
    "nvidia.com/gpu.compute.minor": String(info?.minor ?? 0),
    "nvidia.com/cuda.driver-version.major": "550",
    "nvidia.com/cuda.driver-version.minor": "127",
    "nvidia.com/cuda.driver-version.revision": "08",
    "nvidia.com/cuda.driver-version.full": "550.127.08",
    "nvidia.com/cuda.runtime-version.major": "12",
    "nvidia.com/cuda.runtime-version.minor": "4",
    "nvidia.com/cuda.runtime-version.full": "12.4",
    "nvidia.com/cuda.driver.major": "550",
    "nvidia.com/cuda.driver.minor": "127",
    "nvidia.com/cuda.driver.rev": "08",
    "nvidia.com/mig.capable": String(!!family),
    "nvidia.com/mps.capable": "false",
    "nvidia.com/gfd.timestamp": String(Math.floor(now.getTime() / 1000)),
  };
  if (n.migStrategy !== "none") l["nvidia.com/mig.strategy"] = n.migStrategy;
  if (!sliced || !family) return l;
  const devices = nodeDevices(n).filter((d) => d.migProfile);
  const perProfile = new Map<string, number>();
  for (const d of devices) perProfile.set(d.migProfile!, (perProfile.get(d.migProfile!) ?? 0) + 1);
  const describe = (prefix: string, profile: string, count: number) => {
    const prof = family.profiles.find((x) => x.name === profile)!;
    l[`${prefix}.count`] = String(count);
    l[`${prefix}.product`] = `${g.model}-MIG-${profile}`;
    l[`${prefix}.replicas`] = "1";
    l[`${prefix}.sharing-strategy`] = "none";
    l[`${prefix}.memory`] = String(prof.memoryMiB);
    l[`${prefix}.multiprocessors`] = String(prof.multiprocessors);
    l[`${prefix}.slices.gi`] = String(prof.computeSlices);
    l[`${prefix}.slices.ci`] = String(prof.computeSlices);
    for (const [e, v] of Object.entries(prof.engines)) l[`${prefix}.engines.${e}`] = String(v);
  };
  if (n.migStrategy === "single") {
    const [profile, count] = [...perProfile][0]!;
    describe("nvidia.com/gpu", profile, count);
  } else {
    for (const [profile, count] of perProfile) describe(migResourceName(profile), profile, count);
    // Mixed: nvidia.com/gpu.* keep describing the physical GPUs.
    l["nvidia.com/gpu.count"] = String(n.gpus.reduce((s, x) => s + x.count, 0));
  }
  return l;
}
