import type { Db } from "@/lib/db/prisma";
import type { BatchState } from "@/lib/batch/job-state";

/**
 * Appends a state transition to a job's history. `seq` is the next number for the job; callers
 * serialise the writes of one job (the submit transaction, or the controller's per-job chain), so
 * two events never race for the same seq.
 */
export async function appendJobEvent(
  db: Db,
  jobId: string,
  e: { state: BatchState; reason: string | null; message: string; detail?: string | null },
): Promise<void> {
  const last = await db.batchJobEvent.findFirst({ where: { jobId }, orderBy: { seq: "desc" }, select: { seq: true } });
  await db.batchJobEvent.create({
    data: { jobId, seq: (last?.seq ?? 0) + 1, state: e.state, reason: e.reason, message: e.message, detail: e.detail ?? null },
  });
}
