import { PageHeader } from "@/components/ui/page-header";
import { QueuesTable } from "@/components/jobs/queues-table";
import { requireUser } from "@/lib/auth/session";
import { isAppError } from "@/lib/errors/app-error";
import { kube } from "@/lib/kube/client";
import { readClusterQueues, type ClusterQueueView } from "@/lib/batch/queue-status";

export const dynamic = "force-dynamic";

export default async function QueuesPage() {
  await requireUser();
  let queues: ClusterQueueView[] = [];
  let error: string | null = null;
  try {
    queues = await readClusterQueues(kube());
  } catch (e) {
    // Shown as an error, never as "no queues": an unreachable cluster is not an empty one.
    error = isAppError(e) ? e.message : "The queues cannot be read right now.";
  }
  return (
    <>
      <PageHeader
        title="Queues"
        description="Kueue's view of the GPUs: interactive sessions hold the quota; batch jobs borrow whatever is idle and give it back when a session needs it."
      />
      <QueuesTable initial={queues} initialError={error} />
    </>
  );
}
