import type { V1Pod } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { sqlRows, type getPrisma } from "@/lib/db/prisma";
import { recordAudit } from "@/lib/audit/record-audit";
import { readQueuePositions } from "@/lib/gpu/capacity";
import type { KubeClients } from "@/lib/kube/client";
import type { Workload } from "@/lib/kube/kueue-types";
import { SESSION_ID_LABEL } from "@/lib/kube/labels";
import { deletePod, readPodLogTail } from "@/lib/kube/session-objects";
import { sessionBasePath } from "@/lib/kube/session-pod";
import { applyObservation } from "@/lib/sessions/apply-observation";
import { observeSession, podNeedsLogs, type SessionState } from "@/lib/sessions/progress";
import type { CullPolicy } from "@/lib/sessions/cull";
import { cullIdleSessions } from "./cull-idle-sessions";
import { eventDelayMs, restartOnWatchError, sessionPodInformer, workloadInformer, type SharedInformers } from "./shared-informers";
import { createKeyedQueue } from "./keyed-queue";

/**
 * Keeps Session rows current from what the cluster says. Informers (list, then watch from the
 * list's resourceVersion; client-node re-lists on 410 Gone) on the session pods and Kueue
 * workloads; a tick re-evaluates time-based conditions (admission timeout, unschedulable grace),
 * refreshes queue positions, reconciles rows whose pod is gone and pods without a row, and runs
 * the culler.
 */

export interface ControllerConfig {
  namespace: string;
  localQueue: string;
  admissionTimeoutMs: number;
  unschedulableGraceMs: number;
  orphanGraceMs: number;
  tickMs: number;
  cullEveryMs: number;
  /** A row in "requested" without a pod for this long was left by an interrupted spawn. */
  spawnGraceMs: number;
  /** Defaults to CULL_* from the environment. */
  cullPolicy?: CullPolicy;
}

export interface RunningController {
  stop(): Promise<void>;
  /** Resolves once both informers have listed (tests wait for it). */
  synced: Promise<void>;
}

const ACTIVE = ["requested", "queued", "starting", "ready", "stopping"] as const;

/** `shared`: the process's watches on session pods and Workloads (controller/main.ts); without it the controller opens its own. */
export function startSessionController(opts: { db: ReturnType<typeof getPrisma>; kube: KubeClients; log: Logger; config: ControllerConfig; shared?: Pick<SharedInformers, "sessionPods" | "workloads"> }): RunningController {
  const { db, kube: k, log, config } = opts;
  const ns = config.namespace;
  let stopped = false;
  let positions = new Map<string, number>();
  // First sight by our own clock: the cluster's timestamps may be skewed from ours.
  const orphansSeen = new Map<string, number>();
  const unschedulableSince = new Map<string, Date>();
  const orphanAudited = new Set<string>();
  // What the last sync of a session wrote, and the pod/workload versions it read: an observation
  // equal to the last one written is not written again (it would change nothing), and a ready
  // session whose objects have not changed is not re-read on each tick (nothing time-based moves a
  // ready session; its next change arrives as an event).
  const last = new Map<string, { written: string; state: SessionState; seen: string }>();
  const pods = opts.shared?.sessionPods.informer ?? sessionPodInformer(k, ns);
  const workloads = opts.shared?.workloads.informer ?? workloadInformer(k, ns);
  /** The informers this controller opened itself (none when shared): it starts, restarts and stops them. */
  const own = opts.shared ? [] : ([["pods", pods], ["workloads", workloads]] as const);

  // Syncs of one session run in order; the events of a spawn (pod created, Workload admitted, gate
  // removed, bound, started, ready) coalesce, and at most MAX_CONCURRENT_SYNCS sessions sync at
  // once (keyed-queue.ts): a burst of 100 spawns otherwise opens 100 transactions here, exhausting
  // the pool and slowing the web's spawns on the same PostgreSQL. A failed sync is reported; the
  // tick syncs the session again.
  const MAX_CONCURRENT_SYNCS = 8;
  const queue = createKeyedQueue({ parallel: MAX_CONCURRENT_SYNCS, onError: (err, pod) => log.error({ err, pod }, "session sync failed") });

  // Each session pod's Workload (Kueue's pod integration makes one per pod, owned by it), kept from
  // the Workload events: a sync looks its Workload up instead of scanning them all.
  const workloadByPod = new Map<string, Workload>();
  const ownerPod = (w: Workload) => w.metadata.ownerReferences?.find((o) => o.kind === "Pod")?.name;
  function workloadOf(podName: string): Workload | null {
    return workloadByPod.get(podName) ?? null;
  }

  /** What a sync needs of a session's row; one statement on the pool (sqlRows): it runs on every pod event. */
  async function sessionRow(sessionId: string) {
    const [r] = await sqlRows<{ state: SessionState; created_at: Date; stop_requested_at: Date | null; name: string; pod_name: string; username: string }>(
      db,
      `SELECT s.state::text AS state, s.created_at, s.stop_requested_at, s.name, s.pod_name, u.username
       FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1::uuid`,
      [sessionId],
    );
    return r ? { state: r.state, createdAt: r.created_at, stopRequestedAt: r.stop_requested_at, name: r.name, podName: r.pod_name, user: { username: r.username } } : null;
  }

  async function syncPod(pod: V1Pod): Promise<void> {
    const sessionId = pod.metadata?.labels?.[SESSION_ID_LABEL];
    const podName = pod.metadata!.name!;
    if (!sessionId) return;
    const row = await sessionRow(sessionId);
    if (!row || row.podName !== podName) return handleOrphan(pod);
    if (row.state === "stopped" || row.state === "failed") {
      // A leftover of a session that already ended (e.g. stopped while the controller was down).
      if (!pod.metadata?.deletionTimestamp) await deletePod(k, podName, row.state === "failed" ? 0 : undefined);
      return;
    }
    const lastLogLines = podNeedsLogs(pod) ? await readPodLogTail(k, podName) : undefined;
    const unschedulable = pod.status?.conditions?.some((c) => c.type === "PodScheduled" && c.status === "False" && c.reason === "Unschedulable");
    if (!unschedulable) unschedulableSince.delete(sessionId);
    else if (!unschedulableSince.has(sessionId)) unschedulableSince.set(sessionId, new Date());
    const obs = observeSession({
      now: new Date(),
      createdAt: row.createdAt,
      pod,
      podGone: false,
      stopRequested: row.stopRequestedAt !== null,
      workload: workloadOf(podName),
      queuePosition: positions.get(sessionId) ?? null,
      admissionTimeoutMs: config.admissionTimeoutMs,
      unschedulableGraceMs: config.unschedulableGraceMs,
      url: sessionBasePath(row.user.username, row.name),
      ...(lastLogLines ? { lastLogLines } : {}),
      ...(unschedulableSince.has(sessionId) ? { unschedulableSince: unschedulableSince.get(sessionId)! } : {}),
    });
    const seen = versionsOf(pod);
    const written = JSON.stringify(obs);
    const before = last.get(sessionId);
    if (before?.written === written) {
      before.seen = seen;
      return;
    }
    const state = await applyObservation(db, sessionId, obs);
    // Remembered only when the observation was written as it is (not kept back by a stop, say).
    if (state === obs.state && state !== "stopped" && state !== "failed") last.set(sessionId, { written, state, seen });
    else last.delete(sessionId);
    // A failed session releases its GPU and its Kueue quota at once.
    if (state === "failed" && !pod.metadata?.deletionTimestamp) await deletePod(k, podName, 0);
  }

  /** The resource versions a sync of this pod reads (pod, its workload, its queue position). */
  function versionsOf(pod: V1Pod): string {
    const id = pod.metadata?.labels?.[SESSION_ID_LABEL] ?? "";
    return `${pod.metadata?.resourceVersion}|${workloadOf(pod.metadata!.name!)?.metadata.resourceVersion ?? ""}|${positions.get(id) ?? ""}`;
  }

  /**
   * Queues a sync of this session (joining one that has not started yet): it reads the session's
   * pod from the informer's cache when it runs, so the latest state is what gets written. Events
   * wait eventDelayMs first (one row update after admission, gate removal and binding instead of
   * four); the tick's re-evaluations run at once.
   */
  function schedule(sessionId: string, podName: string, delayMs = eventDelayMs(queue.waiting)): Promise<void> {
    // Keyed by pod: a session has one, and a stray pod carrying a session's label is synced (and
    // removed as an orphan) on its own instead of joining the session's work.
    return queue.add(podName, () => syncSession(sessionId, podName), delayMs);
  }

  async function syncSession(sessionId: string, podName: string): Promise<void> {
    const pod = pods.get(podName, ns);
    if (pod) await syncPod(pod);
    else await syncGone(sessionId, podName);
  }

  function schedulePod(pod: V1Pod, delayMs?: number): Promise<void> {
    const id = pod.metadata?.labels?.[SESSION_ID_LABEL];
    const name = pod.metadata?.name;
    if (!id || !name) return Promise.resolve();
    return schedule(id, name, delayMs);
  }

  /** The pod `podName` is not (or no longer) in the cluster; nothing to do unless it is the session's pod. */
  async function syncGone(sessionId: string, podName: string): Promise<void> {
    const row = await sessionRow(sessionId);
    if (!row || row.podName !== podName) return;
    last.delete(sessionId);
    if (row.state === "stopped" || row.state === "failed") return;
    if (row.state === "requested" && !row.stopRequestedAt) {
      // Never seen with a pod: a spawn still creating it, or one whose web process died between
      // writing the row and creating the pod.
      if (Date.now() - row.createdAt.getTime() < config.spawnGraceMs) return;
      await applyObservation(db, sessionId, { state: "failed", level: "error", reason: "The spawn was interrupted before the pod was created.", event: { progress: 100, failed: true, message: "The spawn was interrupted before the pod was created; start the session again." } });
      return;
    }
    const obs = observeSession({
      now: new Date(), createdAt: row.createdAt, pod: null, podGone: true, stopRequested: row.stopRequestedAt !== null, workload: null,
      queuePosition: null, admissionTimeoutMs: config.admissionTimeoutMs, unschedulableGraceMs: config.unschedulableGraceMs, url: sessionBasePath(row.user.username, row.name),
    });
    await applyObservation(db, sessionId, obs);
  }

  async function handleOrphan(pod: V1Pod): Promise<void> {
    const name = pod.metadata!.name!;
    if (pod.metadata?.deletionTimestamp) return;
    if (!orphansSeen.has(name)) orphansSeen.set(name, Date.now());
    const seen = orphansSeen.get(name)!;
    // A pod seconds old may belong to a spawn whose row is still being committed.
    if (Date.now() - seen < config.spawnGraceMs) return;
    if (!orphanAudited.has(name)) {
      orphanAudited.add(name);
      await recordAudit({ actorLabel: "controller", action: "session.orphan", targetType: "pod", targetId: name, details: { namespace: ns, sessionId: pod.metadata?.labels?.[SESSION_ID_LABEL] ?? null, graceSeconds: config.orphanGraceMs / 1000 } }, db);
      log.warn({ pod: name }, "managed pod without a session row; deleting after the grace period");
    }
    if (Date.now() - seen >= config.spawnGraceMs + config.orphanGraceMs) {
      await deletePod(k, name);
      orphansSeen.delete(name);
      await recordAudit({ actorLabel: "controller", action: "session.orphan.delete", targetType: "pod", targetId: name, details: { namespace: ns } }, db);
    }
  }

  /** Rows whose pod the cache does not hold: gone while we were not watching, or never created. */
  async function reconcileRows(): Promise<void> {
    const rows = await db.session.findMany({ where: { namespace: ns, state: { in: [...ACTIVE] } }, select: { id: true, podName: true, state: true, createdAt: true } });
    const present = new Set(pods.list(ns).map((p) => p.metadata?.name));
    for (const r of rows) {
      if (present.has(r.podName)) continue;
      if (r.state === "requested" && Date.now() - r.createdAt.getTime() < config.spawnGraceMs) continue;
      await schedule(r.id, r.podName, 0);
    }
  }

  let lastCull = 0;
  async function tick(): Promise<void> {
    const queued = await db.session.count({ where: { namespace: ns, state: "queued" } });
    if (queued > 0) {
      positions = await readQueuePositions(config.localQueue, k).catch((err: unknown) => {
        log.warn({ err }, "queue positions unavailable");
        return positions;
      });
    }
    const due: Array<Promise<void>> = [];
    for (const pod of pods.list(ns)) {
      const id = pod.metadata?.labels?.[SESSION_ID_LABEL];
      if (!id) continue;
      const l = last.get(id);
      if (l?.state === "ready" && l.seen === versionsOf(pod)) continue;
      due.push(schedulePod(pod, 0));
    }
    await Promise.all(due);
    await reconcileRows();
    if (Date.now() - lastCull >= config.cullEveryMs) {
      lastCull = Date.now();
      await cullIdleSessions({ db, kube: k, log, ...(config.cullPolicy ? { policy: config.cullPolicy } : {}) });
    }
  }

  const onPod = (pod: V1Pod) => void schedulePod(pod);
  pods.on("add", onPod);
  pods.on("update", onPod);
  pods.on("delete", onPod);
  const onWorkload = (w: Workload) => {
    const owner = ownerPod(w);
    if (!owner) return;
    workloadByPod.set(owner, w);
    const pod = pods.get(owner, ns);
    if (pod) onPod(pod);
  };
  workloads.on("add", onWorkload);
  workloads.on("update", onWorkload);
  workloads.on("delete", (w) => {
    const owner = ownerPod(w);
    if (owner && workloadByPod.get(owner)?.metadata.uid === w.metadata.uid) workloadByPod.delete(owner);
  });

  for (const [name, inf] of own) restartOnWatchError(inf, name, log, () => stopped);

  const synced = (opts.shared ? Promise.all([opts.shared.sessionPods.ready, opts.shared.workloads.ready]) : Promise.all(own.map(([, inf]) => inf.start()))).then(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  void synced.then(() => {
    if (stopped) return;
    const loop = () => {
      if (stopped) return;
      running = tick().catch((err: unknown) => (stopped ? log.info({ err: String(err) }, "controller tick interrupted by shutdown") : log.error({ err }, "controller tick failed")));
      void running.finally(() => {
        if (!stopped) timer = setTimeout(loop, config.tickMs);
      });
    };
    loop();
  });

  return {
    synced,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      // Syncs not started yet are skipped from here on; running ones end.
      const drained = queue.drain();
      for (const [, inf] of own) await inf.stop().catch(() => undefined);
      await running;
      await drained;
    },
  };
}
