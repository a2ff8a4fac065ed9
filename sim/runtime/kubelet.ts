import type { KubeObject, SimContext, SimPart } from "../store/types";
import type { DeviceAllocator } from "./devices";
import { isTerminal, podKey } from "./pod-resources";
import { PodIPPool } from "./pod-ip";
import { PodWorker } from "./pod-worker";

/**
 * The kubelet stand-in for every node of the topology (and any node created through the API):
 * one PodWorker per pod bound to a node. Pods that end stay until deleted; deleting a pod that
 * already ended removes it at once.
 */
export function startKubelet(ctx: SimContext, devices: DeviceAllocator): SimPart {
  const { store, logs, clock, log, topology } = ctx;
  const workers = new Map<string, PodWorker>();
  const deps = { store, logs, clock, log, topology, ips: new PodIPPool(), devices, pulled: new Map<string, Set<string>>() };
  const nodeSpecs = new Map(topology.nodes.map((n) => [n.name, n]));
  let stopped = false;

  const onPod = (type: string, pod: KubeObject) => {
    if (stopped || type === "BOOKMARK") return;
    const key = podKey(pod);
    const w = workers.get(key);
    if (type === "DELETED") {
      if (w) {
        w.abort();
        workers.delete(key);
      }
      return;
    }
    const nodeName = pod.spec?.nodeName as string | undefined;
    if (!nodeName) return;
    if (w) {
      // Deferred: the worker writes to the store, which must not happen inside a watch delivery.
      setImmediate(() => w.update(pod));
      return;
    }
    if (pod.metadata.deletionTimestamp || isTerminal(pod)) {
      if (pod.metadata.deletionTimestamp) setImmediate(() => store.finalizeDelete("pods", pod.metadata.namespace, pod.metadata.name!));
      return;
    }
    const worker = new PodWorker(pod, nodeSpecs.get(nodeName), deps);
    workers.set(key, worker);
    setImmediate(() => {
      worker.start().catch((e: unknown) => log.error("pod worker failed", { pod: key, error: (e as Error).message }));
    });
  };

  for (const p of store.list("pods")) onPod("ADDED", p);
  const unwatch = store.watch("pods", (ev) => onPod(ev.type, ev.object), { raw: true });
  return {
    stop: async () => {
      stopped = true;
      unwatch();
      for (const w of workers.values()) w.abort();
      workers.clear();
    },
  };
}
