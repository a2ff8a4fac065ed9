import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { requireUser } from "@/lib/auth/session";

export default async function Page() {
  await requireUser();
  return (
    <>
      <PageHeader title="Batch jobs" description="Kueue-queued batch work made from your sessions." />
      <EmptyState title="No batch jobs yet">Run a session as a batch job once sessions are available.</EmptyState>
    </>
  );
}
