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
  // One statement: the next seq is read where it is written.
  await db.$executeRaw`
    INSERT INTO batch_job_events (id, job_id, seq, state, reason, message, detail)
    SELECT gen_random_uuid(), ${jobId}::uuid, COALESCE(MAX(seq), 0) + 1, ${e.state}::"BatchJobState", ${e.reason}, ${e.message}, ${e.detail ?? null}
    FROM batch_job_events WHERE job_id = ${jobId}::uuid`;
}
