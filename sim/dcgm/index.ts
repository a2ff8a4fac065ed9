import type { ServerResponse } from "node:http";
import { allocatorFor } from "../runtime/devices";
import type { SimContext, SimPart } from "../store/types";
import { nodeDevices } from "../topology/devices";
import { IDLE_HELD_ACTIVITY, renderDcgm, type DeviceActivity } from "./exporter";
import { renderKsm } from "./kube-state-metrics";

/** Pod annotation that pins the DCGM activity of the pod's devices (tests, demos). */
export const UTILIZATION_ANNOTATION = "sim.ai-hub.io/gpu-utilization";
const DEFAULT_DRIVER = "550.127.08";

/**
 * The metrics a cluster's Prometheus scrapes, served on the API server's port without
 * authentication: GET /dcgm/metrics (DCGM exporter), GET /kube-state-metrics/metrics and GET
 * /metrics with both plus Kueue's (`extra()`), so one scrape job sees everything.
 */
export function startMetrics(ctx: SimContext, extra: () => string = () => ""): SimPart {
  const { store, topology } = ctx;
  // interLink virtual nodes run pods elsewhere: no DCGM exporter reports their GPUs.
  const physical = topology.nodes.filter((n) => !n.virtual);
  const fallbackDevices = physical.flatMap(nodeDevices);

  const activities = (): DeviceActivity[] => {
    const alloc = allocatorFor(store);
    const devices = alloc ? alloc.devices.filter((d) => physical.some((n) => n.name === d.node)) : fallbackDevices;
    const held = new Map((alloc?.assignments() ?? []).map((a) => [`${a.node}/${a.gpuIndex}/${a.gpuInstanceId ?? "-"}`, a]));
    return devices.map((device) => {
      const a = held.get(`${device.node}/${device.gpuIndex}/${device.gpuInstanceId ?? "-"}`);
      if (!a) return { device, activity: 0 };
      const pod = store.get("pods", a.pod.namespace, a.pod.name);
      const pinned = Number(pod?.metadata.annotations?.[UTILIZATION_ANNOTATION]);
      const activity = Number.isFinite(pinned) && pod?.metadata.annotations?.[UTILIZATION_ANNOTATION] !== undefined ? Math.min(1, Math.max(0, pinned)) : Math.max(a.busy, IDLE_HELD_ACTIVITY);
      return { device, pod: { namespace: a.pod.namespace, name: a.pod.name }, container: a.container, activity };
    });
  };
  const driver = (node: string) => store.get("nodes", undefined, node)?.metadata.labels?.["nvidia.com/cuda.driver-version.full"] ?? DEFAULT_DRIVER;
  const dcgm = () => renderDcgm(activities(), driver);
  const ksm = () => renderKsm(store.list("pods"), store.list("nodes"));
  const send = (res: ServerResponse, body: string) => res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" }).end(body);
  ctx.registerRoute("GET", "/dcgm/metrics", (_req, res) => send(res, dcgm()));
  ctx.registerRoute("GET", "/kube-state-metrics/metrics", (_req, res) => send(res, ksm()));
  ctx.registerRoute("GET", "/metrics", (_req, res) => send(res, dcgm() + ksm() + extra()));
  return { stop: async () => {} };
}
