import { makeInformer, type Informer, type ObjectCache, type V1Job, type V1Pod } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { getPrisma } from "@/lib/db/prisma";
import type { KubeClients } from "@/lib/kube/client";
import { eventDelayMs, restartOnWatchError, workloadInformer, type SharedInformer } from "./shared-informers";
import { createKeyedQueue } from "./keyed-queue";
import type { Workload } from "@/lib/kube/kueue-types";
import { batchApi, deleteJob } from "@/lib/batch/batch-objects";
import { BATCH_JOB_SELECTOR, JOB_CONTAINER, JOB_NAME_LABEL } from "@/lib/batch/job-from-session";
import { ACTIVE_BATCH_STATES } from "@/lib/batch/job-state";
import { readJobQueuePositions } from "@/lib/batch/queue-status";
import { applyInterval, applyJobState, applyTrials, intervalWouldChange, jobStateWouldChange, stateOf, type JobObservationInput } from "@/lib/batch/apply-job-observation";

/**
 * Keeps BatchJob rows current from the cluster: informers on AI Hub's batch Jobs, their pods and
 * Kueue Workloads; every change of one job is synced in order (state and history, trials and log
 * tails, accounting intervals). A tick refreshes queue positions from the visibility API and
 * reconciles rows the informers cannot speak for (Job gone while the controller was down, open
 * intervals of jobs no longer running, cancelled jobs whose Job is still there).
 */

export interface JobsControllerConfig {
  namespace: string;
  localQueue: string;
  tickMs: number;
  /** A row younger than this without a Job is a submit still in flight, not a lost Job. */
  submitGraceMs: number;
}

export interface RunningJobsController {
  stop(): Promise<void>;
  synced: Promise<void>;
}

const LOG_TAIL_BYTES = 64 * 1024;
const MAX_PARALLEL = 4;

/** `workloads`: the process's shared watch on Workloads (controller/main.ts); without it the controller opens its own. */
export function startJobsController(opts: { db: ReturnType<typeof getPrisma>; kube: KubeClients; log: Logger; config: JobsControllerConfig; workloads?: SharedInformer<Workload> }): RunningJobsController {
  const { db, kube: k, config } = opts;
  const log = opts.log.child({ component: "jobs" });
  const ns = config.namespace;
  let stopped = false;
  let positions = new Map<string, number>();
  const workloadByJob = new Map<string, Workload>();

  const jobs: Informer<V1Job> & ObjectCache<V1Job> = makeInformer(
    k.kc,
    `/apis/batch/v1/namespaces/${ns}/jobs`,
    () => batchApi(k).listNamespacedJob({ namespace: ns, labelSelector: BATCH_JOB_SELECTOR }),
    BATCH_JOB_SELECTOR,
  );
  const pods: Informer<V1Pod> & ObjectCache<V1Pod> = makeInformer(
    k.kc,
    `/api/v1/namespaces/${ns}/pods`,
    () => k.core.listNamespacedPod({ namespace: ns, labelSelector: BATCH_JOB_SELECTOR }),
    BATCH_JOB_SELECTOR,
  );
  const workloads = opts.workloads?.informer ?? workloadInformer(k, ns);
  const own = opts.workloads ? ([["jobs", jobs], ["pods", pods]] as const) : ([["jobs", jobs], ["pods", pods], ["workloads", workloads]] as const);

  // Syncs of one job run in order; events of a burst (500 jobs make thousands) coalesce, and at
  // most MAX_PARALLEL run at once, keeping the database pool free for the web (keyed-queue.ts).
  // A failed sync is retried, as a controller requeues: the observation is not lost.
  const queue = createKeyedQueue({ parallel: MAX_PARALLEL, retryMs: 2000, onError: (err, job) => log.error({ err, job }, "job sync failed; retrying") });
  const serial = (name: string, fn: () => Promise<void>, delayMs = 0) => queue.add(name, fn, delayMs);

  async function readTail(podName: string): Promise<string | null> {
    try {
      const text = String(await k.core.readNamespacedPodLog({ name: podName, namespace: ns, container: JOB_CONTAINER, limitBytes: 4 * LOG_TAIL_BYTES }));
      return text.length > LOG_TAIL_BYTES ? text.slice(-LOG_TAIL_BYTES) : text;
    } catch (err) {
      log.warn({ err, pod: podName }, "could not save a trial's log");
      return null;
    }
  }

  /** `force`: check the accounting interval against the database even when the row says nothing changed. */
  async function sync(name: string, goneWorkload?: boolean, force = false): Promise<void> {
    const row = await db.batchJob.findFirst({ where: { namespace: ns, k8sName: name } });
    if (!row) return;
    const job = jobs.get(name, ns) ?? null;
    const jobPods = pods.list(ns).filter((p) => p.metadata?.labels?.[JOB_NAME_LABEL] === name);
    const now = new Date();
    await applyTrials(db, row, jobPods, readTail);
    if (row.state === "cancelled" && job && !job.metadata?.deletionTimestamp) await deleteJob(k, name);

    const obs: JobObservationInput = {
      row,
      job,
      workload: goneWorkload ? null : (workloadByJob.get(name) ?? null),
      pods: jobPods,
      queuePosition: positions.get(name) ?? null,
      now,
    };
    let view = stateOf(obs);
    if (!job && ACTIVE_BATCH_STATES.includes(row.state) && now.getTime() - row.createdAt.getTime() > config.submitGraceMs) {
      // The Job disappeared without a final state (deleted by someone else, or lost while we were down).
      view = { state: "failed", reason: "JobDeleted", message: "Failed: the job was deleted from the cluster outside AI Hub.", detail: null, exitCode: null };
    } else if (!job && view.state === "submitted") return;
    // Most events (a pod scheduled, a status field) change nothing here: no transaction for them.
    if (!force && !jobStateWouldChange(obs, view) && !intervalWouldChange(obs, view)) return;
    await db.$transaction(async (tx) => {
      await applyInterval(tx, obs, view);
      await applyJobState(tx, obs, view);
    });
  }

  const jobOfWorkload = (w: Workload) => w.metadata.ownerReferences?.find((o) => o.kind === "Job")?.name;

  async function tick(): Promise<void> {
    const queued = await db.batchJob.findMany({ where: { namespace: ns, state: "queued" }, select: { k8sName: true, queuePosition: true } });
    if (queued.length > 0) {
      positions = await readJobQueuePositions(k, config.localQueue).catch((err: unknown) => {
        log.warn({ err }, "batch queue positions unavailable");
        return positions;
      });
      for (const q of queued) if ((positions.get(q.k8sName) ?? null) !== q.queuePosition) void serial(q.k8sName, () => sync(q.k8sName));
    }
    // Rows the informers say nothing about: jobs whose Job is gone, open intervals, cancelled leftovers.
    const active = await db.batchJob.findMany({ where: { namespace: ns, state: { in: ACTIVE_BATCH_STATES } }, select: { k8sName: true } });
    for (const r of active) if (!jobs.get(r.k8sName, ns)) await serial(r.k8sName, () => sync(r.k8sName));
    const open = await db.batchJobInterval.findMany({ where: { endedAt: null, job: { namespace: ns, state: { notIn: ["running"] } } }, select: { job: { select: { k8sName: true } } } });
    for (const o of open) await serial(o.job.k8sName, () => sync(o.job.k8sName, false, true));
  }

  const eventDelay = () => eventDelayMs(queue.waiting);
  const onJob = (j: V1Job) => {
    const name = j.metadata?.name;
    if (name) void serial(name, () => sync(name), eventDelay());
  };
  jobs.on("add", onJob);
  jobs.on("update", onJob);
  jobs.on("delete", onJob);
  const onPod = (p: V1Pod) => {
    const name = p.metadata?.labels?.[JOB_NAME_LABEL];
    if (name) void serial(name, () => sync(name), eventDelay());
  };
  pods.on("add", onPod);
  pods.on("update", onPod);
  pods.on("delete", onPod);
  const onWorkload = (w: Workload) => {
    const name = jobOfWorkload(w);
    if (!name) return;
    workloadByJob.set(name, w);
    void serial(name, () => sync(name), eventDelay());
  };
  workloads.on("add", onWorkload);
  workloads.on("update", onWorkload);
  workloads.on("delete", (w) => {
    const name = jobOfWorkload(w);
    if (!name) return;
    workloadByJob.delete(name);
    void serial(name, () => sync(name, true), eventDelay());
  });

  for (const [name, inf] of own) restartOnWatchError(inf, name, log, () => stopped);

  // Workloads first, so the first job syncs already see their Workload.
  const synced = (opts.workloads ? opts.workloads.ready : workloads.start())
    .then(() => Promise.all([jobs.start(), pods.start()]))
    .then(async () => {
      // Reconcile after a restart: every job we still consider active, from what the cluster says now.
      const rows = await db.batchJob.findMany({ where: { namespace: ns, state: { in: ACTIVE_BATCH_STATES } }, select: { k8sName: true } });
      await Promise.all(rows.map((r) => serial(r.k8sName, () => sync(r.k8sName))));
    });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  void synced.then(() => {
    const loop = () => {
      if (stopped) return;
      running = tick().catch((err: unknown) => (stopped ? log.info({ err: String(err) }, "jobs tick interrupted by shutdown") : log.error({ err }, "jobs tick failed")));
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
      await Promise.all(own.map(([, inf]) => Promise.resolve(inf.stop()).catch(() => undefined)));
      await running;
      await drained;
    },
  };
}

