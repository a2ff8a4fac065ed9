import type { V1Pod } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { KubeClients } from "@/lib/kube/client";
import { SESSION_ID_LABEL } from "@/lib/kube/labels";
import { GPU_PRODUCT_LABEL } from "@/lib/gpu/gpu-request";
import { closeUsageRecord, heartbeatUsageRecords, openSessionUsageRecord } from "@/lib/accounting/usage-store";
import { foldJobIntervals } from "@/lib/accounting/fold-job-intervals";
import { podRunningSince, podTerminatedAt } from "@/lib/kube/pod-times";
import { restartOnWatchError, sessionPodInformer, type SharedInformer } from "./shared-informers";

/**
 * Usage records from what the cluster shows, not from user requests.
 *
 * Sessions: a record opens when a session pod is observed Running (start = its container's
 * startedAt, exact even if we observe it late) and closes when the pod terminates (finishedAt) or
 * disappears (the time we saw the delete). A heartbeat on open records every USAGE_HEARTBEAT
 * seconds bounds what a crash can lose: at (re)start the reconcile closes records whose pod is gone
 * at their last heartbeat, and opens records for running pods it has none for.
 *
 * Jobs: the batch controller already records each admitted-and-running interval
 * (BatchJobInterval, with Kueue's view of admission and eviction); they are folded into usage
 * records here rather than observing job pods a second time, so one fact has one writer and a job
 * is never counted twice.
 */

export interface UsageControllerConfig {
  namespace: string;
  heartbeatMs: number;
}

export interface RunningUsageController {
  synced: Promise<void>;
  /** Runs one reconcile pass now (tests, shutdown). */
  reconcile(): Promise<void>;
  stop(): Promise<void>;
}

/** `sessionPods`: the process's shared watch on session pods (controller/main.ts); without it the controller opens its own. */
export function startUsageController(opts: { db: PrismaClient; kube: KubeClients; log: Logger; config: UsageControllerConfig; sessionPods?: SharedInformer<V1Pod> }): RunningUsageController {
  const { db, kube: k, log, config } = opts;
  const ns = config.namespace;
  let stopped = false;
  const gpuModels = new Map<string, string | null>();
  // The running start each session's record was opened (or found open) for: later events for the
  // same running pod (readiness, status updates, each heartbeat's pass) need no database round trip.
  const openedSince = new Map<string, number>();
  let chain: Promise<void> = Promise.resolve();
  /** One sync at a time: informer events and the reconcile never race on the same record. */
  const serial = (fn: () => Promise<void>) => {
    chain = chain.then(fn).catch((err: unknown) => log.error({ err }, "usage sync failed"));
    return chain;
  };

  const ownPods = !opts.sessionPods;
  const pods = opts.sessionPods?.informer ?? sessionPodInformer(k, ns);

  async function gpuModel(node: string | undefined): Promise<string | null> {
    if (!node) return null;
    if (!gpuModels.has(node)) {
      const n = await k.core.readNode({ name: node }).catch(() => null);
      gpuModels.set(node, n?.metadata?.labels?.[GPU_PRODUCT_LABEL] ?? null);
    }
    return gpuModels.get(node) ?? null;
  }

  async function openFor(pod: V1Pod, since: Date): Promise<void> {
    const sessionId = pod.metadata?.labels?.[SESSION_ID_LABEL];
    const podName = pod.metadata?.name;
    if (!sessionId || !podName) return;
    const opened = await openSessionUsageRecord(db, { sessionId, podName, startedAt: since, gpuModel: await gpuModel(pod.spec?.nodeName) });
    if (opened) log.info({ sessionId, startedAt: since }, "usage record opened");
    // Opened now, or one was already open (or had this start), or the session has another pod: either way there is nothing to open.
    openedSince.set(sessionId, since.getTime());
  }

  async function closeFor(sessionId: string, end: Date, reason: string): Promise<void> {
    openedSince.delete(sessionId);
    const open = await db.usageRecord.findMany({ where: { source: "session", sourceId: sessionId, endedAt: null }, select: { id: true } });
    for (const r of open) {
      if (await closeUsageRecord(db, r.id, end, reason)) log.info({ sessionId, endedAt: end, reason }, "usage record closed");
    }
  }

  async function syncPod(pod: V1Pod): Promise<void> {
    const sessionId = pod.metadata?.labels?.[SESSION_ID_LABEL];
    if (!sessionId) return;
    const ended = podTerminatedAt(pod);
    if (ended) return closeFor(sessionId, ended, "pod terminated");
    // Finished without container timestamps (e.g. evicted before starting): now is what we know.
    if (pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed") return closeFor(sessionId, new Date(), `pod ${pod.status.phase}`);
    const since = podRunningSince(pod);
    if (since && openedSince.get(sessionId) !== since.getTime()) await openFor(pod, since);
  }

  /** Heartbeat, close what vanished, open what runs without a record; fold job intervals. */
  async function reconcile(): Promise<void> {
    const now = new Date();
    const byName = new Map(pods.list(ns).map((p) => [p.metadata!.name!, p]));
    const open = await db.usageRecord.findMany({ where: { source: "session", endedAt: null }, select: { id: true, sourceId: true, podName: true, lastSeenAt: true } });
    const sessions = new Set((await db.session.findMany({ where: { namespace: ns, id: { in: open.map((r) => r.sourceId) } }, select: { id: true } })).map((s) => s.id));
    const alive: string[] = [];
    for (const r of open) {
      if (!sessions.has(r.sourceId)) continue; // another namespace's controller owns it
      if (!byName.has(r.podName ?? "")) openedSince.delete(r.sourceId);
      const pod = r.podName ? byName.get(r.podName) : undefined;
      const ended = pod ? podTerminatedAt(pod) : null;
      if (pod && !ended && podRunningSince(pod)) alive.push(r.id);
      else if (pod && ended) await closeUsageRecord(db, r.id, ended, "pod terminated");
      else if (!pod) {
        // Gone while we were not watching: the last time we saw it running is the best bound.
        await closeUsageRecord(db, r.id, r.lastSeenAt, "pod gone (reconciled at last heartbeat)");
        log.warn({ sessionId: r.sourceId, endedAt: r.lastSeenAt }, "usage record closed at its last heartbeat");
      }
    }
    await heartbeatUsageRecords(db, alive, now);
    for (const pod of byName.values()) await syncPod(pod);
    await foldJobIntervals(db, now);
  }

  pods.on("add", (p) => void serial(() => syncPod(p)));
  pods.on("update", (p) => void serial(() => syncPod(p)));
  pods.on("delete", (p) => {
    const id = p.metadata?.labels?.[SESSION_ID_LABEL];
    if (id) void serial(() => closeFor(id, podTerminatedAt(p) ?? new Date(), "pod deleted"));
  });
  if (ownPods) restartOnWatchError(pods, "usage pods", log, () => stopped);

  const synced = (opts.sessionPods ? opts.sessionPods.ready : pods.start()).then(() => serial(reconcile));
  let timer: NodeJS.Timeout | undefined;
  void synced.then(() => {
    if (stopped) return;
    timer = setInterval(() => void serial(reconcile), config.heartbeatMs);
  });

  return {
    synced,
    reconcile: () => serial(reconcile),
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      if (ownPods) await pods.stop().catch(() => undefined);
      await chain;
    },
  };
}
