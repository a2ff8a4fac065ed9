import { getPrisma } from "@/lib/db/prisma";
import { AppError } from "@/lib/errors/app-error";
import { log } from "@/lib/log";
import { kube, type KubeClients } from "@/lib/kube/client";
import { deleteJob } from "@/lib/batch/batch-objects";
import { appendJobEvent } from "@/lib/batch/job-events";
import { ACTIVE_BATCH_STATES } from "@/lib/batch/job-state";
import { findOwnJob, toJobView, type BatchJobView } from "@/lib/batch/job-view";

/**
 * Cancels one of the caller's jobs: marks it cancelled (owner and an active state in the WHERE,
 * so a finished job is not rewritten) and deletes the Job; the garbage collector removes its pods
 * and Kueue's Workload. The controller closes the accounting interval when it sees them go.
 */
export async function cancelJob(opts: { userId: string; jobId: string; db?: ReturnType<typeof getPrisma>; kube?: KubeClients }): Promise<BatchJobView> {
  const db = opts.db ?? getPrisma();
  const k = opts.kube ?? kube();
  const row = await findOwnJob(db, opts.userId, opts.jobId);
  const now = new Date();
  const changed = await db.$transaction(async (tx) => {
    const { count } = await tx.batchJob.updateMany({
      where: { id: row.id, userId: opts.userId, state: { in: ACTIVE_BATCH_STATES } },
      data: { state: "cancelled", stateReason: "Cancelled", stateMessage: "Cancelled: the job and its pods were deleted.", stateDetail: null, cancelledAt: now, finishedAt: now, queuePosition: null },
    });
    if (count) await appendJobEvent(tx, row.id, { state: "cancelled", reason: "Cancelled", message: "Cancelled by its owner." });
    return count > 0;
  });
  if (!changed && row.state !== "cancelled") throw new AppError("CONFLICT", `The job has already ${row.state === "succeeded" ? "succeeded" : "ended"}; there is nothing to cancel.`);
  try {
    await deleteJob(k, row.k8sName);
  } catch (e) {
    // The row says cancelled; the controller's reconcile deletes Jobs of cancelled rows it still sees.
    log.warn({ err: e, jobId: row.id }, "cancel: deleting the Job failed; the controller will retry");
    throw e;
  }
  return toJobView(await db.batchJob.findUniqueOrThrow({ where: { id: row.id } }));
}
