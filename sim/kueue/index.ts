import type { KubeObject, SimContext, SimPart } from "../store/types";
import { startMetrics } from "../dcgm";
import { GR, registerKueueTypes } from "./api-types";
import { jobPodsGone, startJobIntegration } from "./job-integration";
import { renderKueueMetrics } from "./kueue-metrics";
import { podGone, startPodIntegration } from "./pod-integration";
import { updateQueueStatus } from "./queue-status";
import { KueueScheduler, type CycleResult } from "./scheduler";

const QUEUE_STATUS_GAP_MS = 50;
import { startVisibility } from "./visibility";

/**
 * Kueue in the simulator (see sim/docs/kueue.md): registers the kueue.x-k8s.io/v1beta1 types, the
 * batch/job and pod integrations, the scheduler loop, the visibility API and Kueue's metrics at
 * GET /kueue/metrics, plus the DCGM exporter and kube-state-metrics (sim/dcgm) on /metrics. `SIM_KUEUE_EXCLUDE_RESOURCE_PREFIXES` (comma-separated) mirrors Kueue's
 * Configuration `resources.excludeResourcePrefixes`.
 */
export async function startKueue(ctx: SimContext): Promise<SimPart> {
  const { store } = ctx;
  registerKueueTypes(store);
  const prefixes = (process.env.SIM_KUEUE_EXCLUDE_RESOURCE_PREFIXES ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const ownerKind = (wl: KubeObject) => wl.metadata.ownerReferences?.find((r) => r.controller)?.kind;
  // Queue status is written at most every QUEUE_STATUS_GAP_MS (the latest cycle's view), as Kueue's
  // queue controllers batch their updates; a burst of admissions costs one write per queue.
  let statusTimer: ReturnType<typeof setTimeout> | undefined;
  let lastStatusAt = 0;
  let latest: CycleResult | undefined;
  const writeStatus = () => {
    statusTimer = undefined;
    lastStatusAt = performance.now();
    if (latest) updateQueueStatus(store, latest, ctx.clock.now());
  };
  const queueStatus = (r: CycleResult) => {
    latest = r;
    if (statusTimer) return;
    const wait = lastStatusAt + QUEUE_STATUS_GAP_MS - performance.now();
    if (wait <= 0) writeStatus();
    else statusTimer = setTimeout(writeStatus, wait);
  };
  const scheduler: KueueScheduler = new KueueScheduler(ctx, {
    podsGone: (wl) => (ownerKind(wl) === "Job" ? jobPodsGone(ctx, wl) : ownerKind(wl) === "Pod" ? podGone(ctx, wl) : true),
    ownerGone: (wl) => {
      const owner = wl.metadata.ownerReferences?.find((r) => r.controller);
      if (!owner) return false;
      if (owner.kind === "Pod") return podGone(ctx, wl);
      if (owner.kind !== "Job") return false;
      const job = store.getRaw("batch/jobs", wl.metadata.namespace, owner.name);
      return !job || job.metadata.uid !== owner.uid || !!job.metadata.deletionTimestamp;
    },
    excluded: (r) => prefixes.some((p) => r.startsWith(p)),
    afterCycle: (r) => queueStatus(r),
  });
  const trigger = () => scheduler.trigger();
  // Queues: only a new spec (generation) can change a scheduling decision. Their status is written
  // after each cycle (queueStatus), and must not start another cycle of its own.
  const watchSpecs = (gr: string) => {
    const seen = new Map<string, number | undefined>();
    return store.watch(gr, (ev) => {
      if (ev.type === "BOOKMARK") return;
      const key = `${ev.object.metadata.namespace ?? ""}/${ev.object.metadata.name}`;
      if (ev.type === "DELETED") seen.delete(key);
      else if (ev.type === "MODIFIED" && seen.get(key) === ev.object.metadata.generation) return;
      else seen.set(key, ev.object.metadata.generation);
      trigger();
    }, { raw: true });
  };
  const stops = [
    startJobIntegration(ctx, trigger),
    startPodIntegration(ctx, trigger),
    startVisibility(ctx, scheduler),
    ...[GR.clusterQueues, GR.localQueues].map((gr) => watchSpecs(gr)),
    ...[GR.flavors, "namespaces"].map((gr) => store.watch(gr, (ev) => ev.type !== "BOOKMARK" && trigger(), { raw: true })),
  ];
  ctx.registerRoute("GET", "/kueue/metrics", (_req, res) => {
    res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" }).end(renderKueueMetrics(scheduler.last) + scheduler.counters.render());
  });
  // The DCGM exporter and kube-state-metrics stand-ins start here too (sim/index.ts starts one part for both).
  const metrics = startMetrics(ctx, () => renderKueueMetrics(scheduler.last) + scheduler.counters.render());
  trigger();
  return {
    stop: async () => {
      scheduler.stop();
      if (statusTimer) clearTimeout(statusTimer);
      for (const s of stops) s();
      await metrics.stop();
    },
  };
}
