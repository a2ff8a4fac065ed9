import type { V1Job, V1Pod } from "@kubernetes/client-node";
import { podStartedAt, podTerminatedAt } from "@/lib/kube/pod-times";
import type { Db } from "@/lib/db/prisma";
import type { BatchJob } from "@/lib/generated/prisma/client";
import type { Workload } from "@/lib/kube/kueue-types";
import { appendJobEvent } from "@/lib/batch/job-events";
import { PREEMPTION_WORDS, isFinal, jobState, type JobObservation, type StateView } from "@/lib/batch/job-state";
import { podIndex } from "@/lib/batch/job-logs";
import { JOB_CONTAINER } from "@/lib/batch/job-from-session";

/**
 * Writes what the controller observed about one batch job: the state (with an event on every
 * change of state or reason, so Preempted → Queued again stays in the history), the per-index
 * trials, and the accounting intervals (open while running, closed on any other state). Callers
 * run the writes of one job one after the other.
 */

export function observeJob(job: V1Job | null): JobObservation | null {
  if (!job) return null;
  const s = job.status ?? {};
  return {
    suspended: job.spec?.suspend === true,
    active: s.active ?? 0,
    ready: s.ready ?? 0,
    succeeded: s.succeeded ?? 0,
    failed: s.failed ?? 0,
    conditions: (s.conditions ?? []).map((c) => ({ type: c.type, status: c.status, ...(c.reason ? { reason: c.reason } : {}), ...(c.message ? { message: c.message } : {}) })),
  };
}

export function terminatedExitCode(pod: V1Pod): number | null {
  const st = (pod.status?.containerStatuses ?? []).find((c) => c.name === JOB_CONTAINER) ?? pod.status?.containerStatuses?.[0];
  return st?.state?.terminated?.exitCode ?? null;
}

/** The exit code to report for a failed job: the first non-zero exit among its pods. */
export function failedExitCode(pods: V1Pod[]): number | null {
  for (const p of pods) {
    const code = terminatedExitCode(p);
    if (code !== null && code !== 0) return code;
  }
  return null;
}

export interface JobObservationInput {
  row: BatchJob;
  job: V1Job | null;
  workload: Workload | null;
  pods: V1Pod[];
  queuePosition: number | null;
  now: Date;
}

export function stateOf(o: JobObservationInput): StateView {
  return jobState({
    job: observeJob(o.job),
    workload: o.workload,
    cancelled: o.row.state === "cancelled",
    exitCode: failedExitCode(o.pods),
    queuePosition: o.queuePosition,
    deadlineSeconds: o.row.deadlineSeconds,
  });
}

/** Whether applyJobState would write anything (pure). */
export function jobStateWouldChange(o: JobObservationInput, view: StateView): boolean {
  const { row } = o;
  // A final state is final: a late event (a Workload update after Complete) never reopens it.
  if (isFinal(row.state)) return false;
  const changed = view.state !== row.state || view.reason !== row.stateReason;
  const position = view.state === "queued" ? o.queuePosition : null;
  return changed || view.message !== row.stateMessage || position !== row.queuePosition || view.exitCode !== row.exitCode;
}

/**
 * Whether applyInterval could write anything, from the row alone: the interval is opened and
 * closed in the same transaction as the state moves to and from running, so an open interval goes
 * with a running row, except after a cancel (written by the web). A job that reaches its end
 * without ever being seen running (it ran between two observations, or while the controller was
 * down) may still need its interval, taken from its pods. The controller's tick re-checks any other
 * exception, such as a job cancelled between an observation and its write, with `force`.
 */
export function intervalWouldChange(o: JobObservationInput, view: StateView): boolean {
  // Cancelling is written by the web, not here: the interval of a cancelled running job is still open.
  if (o.row.state === "cancelled") return true;
  if (isFinal(view.state) && !isFinal(o.row.state)) return true;
  const runs = view.state === "running" && !isFinal(o.row.state);
  return runs !== (o.row.state === "running");
}

/**
 * When the job's pods ran, in the cluster's own time: the earliest container start among them and,
 * once every pod that started has finished, the latest container finish. Pods being deleted belong
 * to an earlier run (a preemption) when a new run opens; `includeDeleting` says whether to count them.
 */
export function jobRunSpan(pods: V1Pod[], includeDeleting: boolean): { start: Date | null; end: Date | null } {
  let start: number | null = null;
  let end: number | null = null;
  let unfinished = false;
  for (const p of pods) {
    if (!includeDeleting && p.metadata?.deletionTimestamp) continue;
    const started = podStartedAt(p);
    if (!started) continue;
    start = Math.min(start ?? Infinity, started.getTime());
    const finished = podTerminatedAt(p);
    if (!finished) unfinished = true;
    else end = Math.max(end ?? -Infinity, finished.getTime());
  }
  return { start: start === null ? null : new Date(start), end: start === null || unfinished || end === null ? null : new Date(end) };
}

/** Applies a computed state to the row; returns true when the state or reason changed. */
export async function applyJobState(db: Db, o: JobObservationInput, view: StateView): Promise<boolean> {
  const { row, now } = o;
  if (!jobStateWouldChange(o, view)) return false;
  const changed = view.state !== row.state || view.reason !== row.stateReason;
  const position = view.state === "queued" ? o.queuePosition : null;
  await db.batchJob.updateMany({
    where: { id: row.id, state: row.state },
    data: {
      state: view.state,
      stateReason: view.reason,
      stateMessage: view.message,
      stateDetail: view.detail,
      exitCode: view.exitCode,
      queuePosition: position,
      ...((view.state === "admitted" || view.state === "running") && !row.admittedAt ? { admittedAt: now } : {}),
      ...(view.state === "running" && !row.startedAt ? { startedAt: now } : {}),
      ...(isFinal(view.state) ? { finishedAt: now } : {}),
    },
  });
  if (changed && view.state === "queued" && (row.state === "running" || row.state === "admitted") && view.reason && PREEMPTION_WORDS[view.reason]) {
    // The pods went fast enough that no observation caught the Workload while it was still
    // stopping: the history still says the job was preempted before it was queued again.
    await appendJobEvent(db, row.id, { state: "preempted", reason: view.reason, message: `Preempted: ${PREEMPTION_WORDS[view.reason]}.`, detail: view.detail });
  }
  if (changed) await appendJobEvent(db, row.id, { state: view.state, reason: view.reason, message: view.message, detail: view.detail });
  return changed;
}

/**
 * The accounting interval, one statement either way. Running: open one unless one is open, from
 * when its pods started. Otherwise: close the open one when the pods finished (now if they have not
 * or are gone); a job that ends with none open but whose pods ran, unseen by any observation, gets
 * the closed interval its pods show. Times come from the cluster; an end never precedes its start.
 */
export async function applyInterval(db: Db, o: JobObservationInput, view: StateView): Promise<void> {
  const { row, now } = o;
  const trials = row.trials;
  const requests = o.job?.spec?.template.spec?.containers[0]?.resources?.requests ?? {};
  const resourceName = Object.keys(requests).find((r) => r !== "cpu" && r !== "memory") ?? null;
  const flavor = row.profileKey ?? (row.target === "offload" ? "offload" : "cpu");
  if (view.state === "running" && !isFinal(row.state)) {
    // Kueue admits the whole pod set (no partial admission is requested): parallelism = trials.
    // An earlier run's interval is never overlapped: a start before its end is moved to it.
    const started = jobRunSpan(o.pods, false).start ?? now;
    await db.$executeRaw`
      INSERT INTO batch_job_intervals (id, job_id, user_id, flavor, resource_name, gpu_count, cpu, started_at)
      SELECT gen_random_uuid(), ${row.id}::uuid, ${row.userId}::uuid, ${flavor}, ${resourceName}, ${row.gpuCount * trials}::int, ${row.cpu * trials}::float8,
             GREATEST(${started}::timestamptz, COALESCE((SELECT max(ended_at) FROM batch_job_intervals WHERE job_id = ${row.id}::uuid), '-infinity'))
      WHERE NOT EXISTS (SELECT 1 FROM batch_job_intervals WHERE job_id = ${row.id}::uuid AND ended_at IS NULL)`;
    return;
  }
  const span = jobRunSpan(o.pods, true);
  const ended = span.end ?? now;
  const endReason = view.reason ?? view.state;
  // Only a job ending now without having been seen running can have an unrecorded run.
  const unseenRun = isFinal(view.state) && !isFinal(row.state) && row.state !== "running" && span.start !== null;
  await db.$executeRaw`
    WITH closed AS (
      UPDATE batch_job_intervals SET ended_at = GREATEST(started_at, ${ended}::timestamptz), end_reason = ${endReason}
      WHERE job_id = ${row.id}::uuid AND ended_at IS NULL
      RETURNING id
    ), prior AS (
      SELECT COALESCE(max(ended_at), '-infinity') AS ended_at FROM batch_job_intervals WHERE job_id = ${row.id}::uuid
    )
    INSERT INTO batch_job_intervals (id, job_id, user_id, flavor, resource_name, gpu_count, cpu, started_at, ended_at, end_reason)
    SELECT gen_random_uuid(), ${row.id}::uuid, ${row.userId}::uuid, ${flavor}, ${resourceName}, ${row.gpuCount * trials}::int, ${row.cpu * trials}::float8,
           GREATEST(${span.start ?? now}::timestamptz, prior.ended_at), GREATEST(${span.start ?? now}::timestamptz, prior.ended_at, ${ended}::timestamptz), ${endReason}
    FROM prior
    WHERE ${unseenRun}::boolean AND NOT EXISTS (SELECT 1 FROM closed)
      AND NOT EXISTS (SELECT 1 FROM batch_job_intervals WHERE job_id = ${row.id}::uuid AND (ended_at IS NULL OR ended_at >= ${span.start ?? now}::timestamptz))`;
}

/** Upserts the trial row of each index from its newest pod; `logTail` is read once a pod has terminated. */
export async function applyTrials(db: Db, row: BatchJob, pods: V1Pod[], readTail: (podName: string) => Promise<string | null>): Promise<void> {
  const newest = new Map<number, V1Pod>();
  for (const p of pods) {
    const i = podIndex(p);
    if (i === null) continue;
    const cur = newest.get(i);
    const t = (x: V1Pod) => (x.metadata?.creationTimestamp ? new Date(x.metadata.creationTimestamp).getTime() : 0);
    if (!cur || t(p) > t(cur)) newest.set(i, p);
  }
  if (newest.size === 0) return;
  const existing = new Map((await db.batchJobTrial.findMany({ where: { jobId: row.id } })).map((t) => [t.index, t]));
  for (const [index, pod] of newest) {
    const podName = pod.metadata!.name!;
    const phase = pod.status?.phase ?? "Pending";
    const exitCode = terminatedExitCode(pod);
    const node = pod.spec?.nodeName ?? null;
    const prev = existing.get(index);
    const done = phase === "Succeeded" || phase === "Failed";
    const needTail = done && (prev?.podName !== podName || prev.logTail === null);
    if (prev && prev.podName === podName && prev.phase === phase && prev.exitCode === exitCode && prev.node === node && !needTail) continue;
    const logTail = needTail ? await readTail(podName) : undefined;
    const data = { podName, node, phase, exitCode, ...(logTail !== undefined ? { logTail } : prev?.podName !== podName ? { logTail: null } : {}) };
    await db.batchJobTrial.upsert({ where: { jobId_index: { jobId: row.id, index } }, create: { jobId: row.id, index, ...data }, update: data });
  }
}
