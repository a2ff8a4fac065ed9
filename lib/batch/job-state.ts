import type { KueueCondition, Workload } from "@/lib/kube/kueue-types";

/**
 * The user-facing state of a batch job from what Kubernetes and Kueue say: the Job's status and
 * conditions and its Workload's conditions (reference/kueue-gpu-metrics.md §1.5 and §1.8, exact
 * reasons). Pure and table-tested. Kueue's messages are written for operators; each state also
 * gets a sentence a researcher understands, and the original message is kept as `detail`.
 */

export const batchStates = ["submitted", "queued", "admitted", "running", "preempted", "succeeded", "failed", "cancelled"] as const;
export type BatchState = (typeof batchStates)[number];
export const FINAL_STATES: readonly BatchState[] = ["succeeded", "failed", "cancelled"];
export const ACTIVE_BATCH_STATES: BatchState[] = ["submitted", "queued", "admitted", "running", "preempted"];

export function isFinal(s: string): boolean {
  return (FINAL_STATES as readonly string[]).includes(s);
}

export interface JobCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface JobObservation {
  suspended: boolean;
  active: number;
  ready: number;
  succeeded: number;
  failed: number;
  conditions: JobCondition[];
}

export interface StateInput {
  job: JobObservation | null;
  workload: Pick<Workload, "status"> | null;
  /** The user or an admin cancelled it (the Job is being, or has been, deleted). */
  cancelled?: boolean;
  /** Exit code of a failed trial's container, when one is known. */
  exitCode?: number | null;
  /** 0-based position in the batch LocalQueue from Kueue's visibility API. */
  queuePosition?: number | null;
  /** Configured deadline, to say it in words. */
  deadlineSeconds?: number;
}

export interface StateView {
  state: BatchState;
  /** The machine reason: Kueue's or Kubernetes' own (Pending, InCohortReclamation, DeadlineExceeded …). */
  reason: string | null;
  /** One sentence for the researcher. */
  message: string;
  /** The original Kueue or Kubernetes message, for those who want it. */
  detail: string | null;
  exitCode: number | null;
}

function cond(list: Array<KueueCondition | JobCondition> | undefined, type: string): KueueCondition | JobCondition | undefined {
  return list?.find((c) => c.type === type);
}
const isTrue = (c: { status: string } | undefined) => c?.status === "True";

/** Why Kueue preempted, in words (the Preempted condition's reason, §1.5). */
export const PREEMPTION_WORDS: Record<string, string> = {
  InCohortReclamation: "an interactive session needed the GPUs this job had borrowed; batch jobs only run on idle capacity",
  InCohortReclaimWhileBorrowing: "another queue reclaimed the capacity this job had borrowed",
  InClusterQueue: "a higher-priority batch job needed its place",
  InCohortFairSharing: "capacity was rebalanced between queues (fair sharing)",
};

/** Other eviction reasons (the Evicted condition's reason). */
const EVICTION_WORDS: Record<string, string> = {
  PodsReadyTimeout: "its pods did not become ready in time",
  ClusterQueueStopped: "an administrator stopped the batch queue",
  LocalQueueStopped: "an administrator stopped the batch queue",
  NodeFailures: "the node it ran on failed",
  AdmissionCheck: "an admission check was withdrawn",
  Deactivated: "it was deactivated",
};

function humanEviction(evicted: JobCondition | undefined, preempted: JobCondition | undefined): string {
  if (isTrue(preempted) && preempted!.reason && PREEMPTION_WORDS[preempted!.reason]) return PREEMPTION_WORDS[preempted!.reason]!;
  const r = evicted?.reason ?? "";
  if (r.startsWith("DeactivatedDueTo")) return `it was deactivated (${r.slice("DeactivatedDueTo".length)})`;
  return EVICTION_WORDS[r] ?? "Kueue evicted it";
}

/** Kueue's pending message (`couldn't assign flavors … insufficient unused quota for R in flavor F, N more needed`) in words. */
export function humanPending(message: string | undefined): string {
  if (!message) return "Waiting for Kueue to admit it.";
  const quota = /insufficient unused quota for ([^\s,]+) in flavor ([^\s,]+), (\S+) more needed/.exec(message);
  const preempting = /Pending the preemption of (\d+) workload/.exec(message);
  if (quota) {
    const [, resource, flavor, more] = quota;
    let s = `Waiting for capacity: every ${resource} of ${flavor} is in use (${more} more needed).`;
    if (preempting) s += ` ${preempting[1]} lower-priority job(s) are being stopped to make room.`;
    return s;
  }
  if (/insufficient quota for .* > maximum capacity/.test(message) || /unavailable in ClusterQueue/.test(message)) {
    return "This request is larger than anything the batch queue can ever run; ask for fewer GPUs, CPUs or memory.";
  }
  if (/doesn't exist/.test(message)) return "The batch queue is not set up in this namespace; tell the administrators.";
  if (/is inactive/.test(message)) return "The batch queue is inactive; tell the administrators.";
  if (/untolerated taint|doesn't match node affinity/.test(message)) return "No node of the requested kind can take it.";
  if (preempting) return `Waiting while ${preempting[1]} lower-priority job(s) are stopped to make room.`;
  return "Waiting for Kueue to admit it.";
}

function duration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

function position(p: number | null | undefined): string {
  return p === null || p === undefined ? "" : ` Position ${p + 1} in the batch queue.`;
}

/** Maps an observation to a state; rows are checked in order, the first that applies wins. */
export function jobState(input: StateInput): StateView {
  const { job, workload } = input;
  const wc = workload?.status?.conditions;
  const out = (state: BatchState, reason: string | null, message: string, detail?: string | null): StateView => ({
    state,
    reason,
    message,
    detail: detail ?? null,
    exitCode: state === "failed" ? (input.exitCode ?? null) : null,
  });

  if (input.cancelled) return out("cancelled", "Cancelled", "Cancelled: the job and its pods were deleted.");

  // SuccessCriteriaMet precedes Complete (Kubernetes 1.31+) while the last pods terminate.
  const complete = isTrue(cond(job?.conditions, "Complete")) ? cond(job?.conditions, "Complete") : cond(job?.conditions, "SuccessCriteriaMet");
  if (isTrue(complete)) return out("succeeded", complete!.reason ?? "Completed", "Finished: every trial exited with code 0.", complete!.message);
  const failed = cond(job?.conditions, "Failed") ?? (job && isTrue(cond(job.conditions, "FailureTarget")) ? cond(job.conditions, "FailureTarget") : undefined);
  if (isTrue(failed)) {
    const r = failed!.reason ?? "Failed";
    const code = input.exitCode;
    const msg =
      r === "DeadlineExceeded"
        ? `Stopped: the time limit${input.deadlineSeconds ? ` of ${duration(input.deadlineSeconds)}` : ""} was reached before every trial finished.`
        : r === "BackoffLimitExceeded"
          ? `Failed: a trial exited with an error${code !== null && code !== undefined ? ` (exit code ${code})` : ""}.`
          : r === "PodFailurePolicy"
            ? "Failed: a trial failed in a way the job's failure policy does not retry."
            : "Failed.";
    return out("failed", r, msg, failed!.message);
  }

  const finished = cond(wc, "Finished");
  if (isTrue(finished)) {
    if (finished!.reason === "Succeeded") return out("succeeded", "Succeeded", "Finished: every trial exited with code 0.", finished!.message);
    const msg = finished!.reason === "FailedToStart" ? "Failed: the job could not be started on the assigned resources." : "Failed.";
    return out("failed", finished!.reason ?? "Failed", msg, finished!.message);
  }

  const evicted = cond(wc, "Evicted");
  const preempted = cond(wc, "Preempted");
  const reserved = cond(wc, "QuotaReserved");
  if (isTrue(evicted)) {
    const why = humanEviction(evicted, preempted);
    const reason = isTrue(preempted) ? (preempted!.reason ?? "Preempted") : (evicted!.reason ?? "Evicted");
    // Quota stays reserved until the pods are gone; then Kueue requeues it (§1.8 step 6).
    if (isTrue(reserved)) return out("preempted", reason, `Preempted: ${why}. It is stopping and will be queued again automatically.`, evicted!.message);
    const requeued = cond(wc, "Requeued");
    const again = isTrue(requeued) ? "Queued again" : "Waiting to be queued again";
    return out("queued", reason, `${again} after it was preempted (${why}).${position(input.queuePosition)}`, evicted!.message);
  }

  if (isTrue(cond(wc, "Admitted")) || isTrue(reserved)) {
    if (job && !job.suspended && (job.active > 0 || job.succeeded > 0)) {
      const n = job.active;
      return out("running", "Running", `Running: ${n} trial${n === 1 ? "" : "s"} active, ${job.succeeded} finished.`);
    }
    return out("admitted", "Admitted", "Admitted by Kueue: its pods are starting.", cond(wc, "Admitted")?.message ?? reserved?.message);
  }

  if (reserved && reserved.status === "False") {
    return out("queued", reserved.reason ?? "Pending", `${humanPending(reserved.message)}${position(input.queuePosition)}`, reserved.message);
  }
  if (workload) return out("queued", "Pending", `Waiting for Kueue to admit it.${position(input.queuePosition)}`);
  if (job) return out("submitted", "Submitted", "Submitted: waiting for Kueue to see it.");
  return out("submitted", "Submitted", "Submitted.");
}
