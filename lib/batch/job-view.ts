import type { Db } from "@/lib/db/prisma";
import { getPrisma } from "@/lib/db/prisma";
import { AppError } from "@/lib/errors/app-error";
import type { BatchJob, BatchJobEvent, BatchJobTrial } from "@/lib/generated/prisma/client";
import { isFinal, type BatchState } from "@/lib/batch/job-state";

/** What the API and pages show of a batch job. Every read has the owner in its WHERE. */

export interface BatchJobView {
  id: string;
  name: string;
  k8sName: string;
  sessionId: string | null;
  image: string;
  profileKey: string | null;
  gpuCount: number;
  cpu: number;
  memoryGiB: number;
  trials: number;
  deadlineSeconds: number;
  priority: string;
  target: "local" | "offload";
  state: BatchState;
  reason: string | null;
  message: string | null;
  detail: string | null;
  exitCode: number | null;
  queuePosition: number | null;
  final: boolean;
  createdAt: string;
  admittedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  cancelledAt: string | null;
}

export interface BatchJobEventView {
  seq: number;
  state: BatchState;
  reason: string | null;
  message: string;
  detail: string | null;
  at: string;
}

export interface BatchTrialView {
  index: number;
  podName: string | null;
  node: string | null;
  phase: string;
  exitCode: number | null;
  /** The last lines of the log, for a failed trial. */
  lastLines: string[];
}

export interface BatchJobDetail extends BatchJobView {
  events: BatchJobEventView[];
  trialStates: BatchTrialView[];
  /** The submitted spec (the script and form), for Resubmit and display. */
  spec: unknown;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function toJobView(r: BatchJob): BatchJobView {
  return {
    id: r.id,
    name: r.name,
    k8sName: r.k8sName,
    sessionId: r.sessionId,
    image: r.image,
    profileKey: r.profileKey,
    gpuCount: r.gpuCount,
    cpu: r.cpu,
    memoryGiB: r.memoryGiB,
    trials: r.trials,
    deadlineSeconds: r.deadlineSeconds,
    priority: r.priority,
    target: r.target,
    state: r.state,
    reason: r.stateReason,
    message: r.stateMessage,
    detail: r.stateDetail,
    exitCode: r.exitCode,
    queuePosition: r.state === "queued" ? r.queuePosition : null,
    final: isFinal(r.state),
    createdAt: r.createdAt.toISOString(),
    admittedAt: iso(r.admittedAt),
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
    cancelledAt: iso(r.cancelledAt),
  };
}

export function toEventView(e: BatchJobEvent): BatchJobEventView {
  return { seq: e.seq, state: e.state, reason: e.reason, message: e.message, detail: e.detail, at: e.createdAt.toISOString() };
}

export function toTrialView(t: BatchJobTrial): BatchTrialView {
  return {
    index: t.index,
    podName: t.podName,
    node: t.node,
    phase: t.phase,
    exitCode: t.exitCode,
    lastLines: t.phase === "Failed" && t.logTail ? t.logTail.split("\n").filter(Boolean).slice(-10) : [],
  };
}

export const PAGE_SIZE = 25;

export interface JobPage {
  jobs: BatchJobView[];
  page: number;
  pageSize: number;
  total: number;
}

export async function listJobs(opts: { userId: string; state?: BatchState | "active" | "finished"; page?: number; pageSize?: number; db?: Db }): Promise<JobPage> {
  const db = opts.db ?? getPrisma();
  const page = Math.max(1, opts.page ?? 1);
  const pageSize = Math.min(200, Math.max(1, opts.pageSize ?? PAGE_SIZE));
  const stateFilter =
    opts.state === "active"
      ? { state: { in: ["submitted", "queued", "admitted", "running", "preempted"] as BatchState[] } }
      : opts.state === "finished"
        ? { state: { in: ["succeeded", "failed", "cancelled"] as BatchState[] } }
        : opts.state
          ? { state: opts.state }
          : {};
  const where = { userId: opts.userId, ...stateFilter };
  const [rows, total] = await Promise.all([
    db.batchJob.findMany({ where, orderBy: { createdAt: "desc" }, skip: (page - 1) * pageSize, take: pageSize }),
    db.batchJob.count({ where }),
  ]);
  return { jobs: rows.map(toJobView), page, pageSize, total };
}

/** One job of the caller; someone else's job is NOT_FOUND, not FORBIDDEN (no existence leak). */
export async function findOwnJob(db: Db, userId: string, jobId: string): Promise<BatchJob> {
  const row = /^[0-9a-f-]{36}$/i.test(jobId) ? await db.batchJob.findFirst({ where: { id: jobId, userId } }) : null;
  if (!row) throw new AppError("NOT_FOUND", "No such batch job.");
  return row;
}

export async function getJob(opts: { userId: string; jobId: string; db?: Db }): Promise<BatchJobDetail> {
  const db = opts.db ?? getPrisma();
  const row = await findOwnJob(db, opts.userId, opts.jobId);
  const [events, trials] = await Promise.all([
    db.batchJobEvent.findMany({ where: { jobId: row.id }, orderBy: { seq: "asc" } }),
    db.batchJobTrial.findMany({ where: { jobId: row.id }, orderBy: { index: "asc" } }),
  ]);
  // The submission is the first entry of the history; it is the row itself, not an event row.
  const submitted: BatchJobEventView = { seq: 0, state: "submitted", reason: "Submitted", message: "Submitted.", detail: null, at: row.createdAt.toISOString() };
  return { ...toJobView(row), spec: row.spec, events: [submitted, ...events.map(toEventView)], trialStates: trials.map(toTrialView) };
}
