import type { KubeObject, Store } from "../store/types";
import { nodeDevices, type GpuDevice } from "../topology/devices";
import type { Topology } from "../topology/types";
import { podRequests } from "./pod-resources";

/** Which pod holds which GPU or MIG instance (what the kubelet's pod-resources API tells DCGM). */
export interface DeviceAssignment {
  node: string;
  gpuIndex: number;
  /** Physical GPU UUID. */
  uuid: string;
  /** MIG instance UUID when the device is a MIG slice. */
  migUuid?: string;
  migProfile?: string;
  gpuInstanceId?: number;
  model: string;
  memoryMiB: number;
  pod: { namespace: string; name: string; uid?: string };
  container: string;
  /** Current activity of the device, 0..1 (0.95 during a script's `busy N`). */
  busy: number;
}

interface Holder { pod: { namespace: string; name: string; uid?: string }; container: string }

/**
 * Assigns concrete devices to pods and keeps them until the pod stops (device-plugin Allocate).
 * One allocator per simulator, found through its store so the DCGM part needs no extra wiring.
 */
export class DeviceAllocator {
  readonly devices: GpuDevice[];
  private readonly holders = new Map<GpuDevice, Holder>();
  private readonly byPod = new Map<string, GpuDevice[]>();
  private readonly busyUntil = new Map<string, { until: number; level: number }>();

  constructor(topology: Topology, private readonly now: () => number) {
    this.devices = topology.nodes.flatMap(nodeDevices);
  }

  /** Devices for each container of a pod bound to `node`; idempotent. Returns container -> devices. */
  allocate(pod: KubeObject, node: string): Map<string, GpuDevice[]> {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const out = new Map<string, GpuDevice[]>();
    if (this.byPod.has(key)) {
      for (const d of this.byPod.get(key)!) out.set(this.holders.get(d)!.container, [...(out.get(this.holders.get(d)!.container) ?? []), d]);
      return out;
    }
    const mine: GpuDevice[] = [];
    for (const c of (pod.spec?.containers ?? []) as { name: string; resources?: unknown }[]) {
      const req = podRequests({ apiVersion: "v1", kind: "Pod", metadata: {}, spec: { containers: [c] } });
      for (const [resource, n] of req) {
        if (resource !== "nvidia.com/gpu" && !resource.startsWith("nvidia.com/mig-")) continue;
        const free = this.devices.filter((d) => d.node === node && d.resource === resource && !this.holders.has(d)).slice(0, n);
        for (const d of free) {
          this.holders.set(d, { pod: { namespace: pod.metadata.namespace!, name: pod.metadata.name!, uid: pod.metadata.uid }, container: c.name });
          mine.push(d);
        }
        out.set(c.name, [...(out.get(c.name) ?? []), ...free]);
      }
    }
    if (mine.length) this.byPod.set(key, mine);
    return out;
  }

  release(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    for (const d of this.byPod.get(key) ?? []) this.holders.delete(d);
    this.byPod.delete(key);
    this.busyUntil.delete(key);
  }

  /** The pod's devices run at `level` activity for `simMs` (a script's `busy N`). */
  setBusy(namespace: string, name: string, simMs: number, level = 0.95): void {
    this.busyUntil.set(`${namespace}/${name}`, { until: this.now() + simMs, level });
  }

  assignments(): DeviceAssignment[] {
    const out: DeviceAssignment[] = [];
    for (const [d, h] of this.holders) {
      const b = this.busyUntil.get(`${h.pod.namespace}/${h.pod.name}`);
      out.push({
        node: d.node, gpuIndex: d.gpuIndex, uuid: d.uuid, migUuid: d.migUuid, migProfile: d.migProfile, gpuInstanceId: d.gpuInstanceId,
        model: d.model, memoryMiB: d.memoryMiB, pod: h.pod, container: h.container, busy: b && b.until > this.now() ? b.level : 0,
      });
    }
    return out;
  }
}

const registry = new WeakMap<Store, DeviceAllocator>();

export function registerAllocator(store: Store, allocator: DeviceAllocator): void {
  registry.set(store, allocator);
}

export function allocatorFor(store: Store): DeviceAllocator | undefined {
  return registry.get(store);
}

/** Every GPU/MIG device currently held by a pod in the simulator that owns `store` ([] before the runtime starts). */
export function deviceAssignments(store: Store): DeviceAssignment[] {
  return registry.get(store)?.assignments() ?? [];
}

/** Every GPU and MIG instance of the simulator's topology, held or not (for per-device metrics). */
export function gpuDevices(store: Store): GpuDevice[] {
  return registry.get(store)?.devices ?? [];
}
