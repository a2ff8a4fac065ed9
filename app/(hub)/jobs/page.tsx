import Link from "next/link";
import { PageHeader } from "@/components/ui/page-header";
import { JobsList } from "@/components/jobs/jobs-list";
import { requireUser } from "@/lib/auth/session";
import { listJobs } from "@/lib/batch/job-view";

export const dynamic = "force-dynamic";

export default async function JobsPage() {
  const user = await requireUser();
  const initial = await listJobs({ userId: user.id });
  return (
    <>
      <PageHeader
        title="Batch jobs"
        description="Scripts run from your sessions on idle GPUs. Interactive sessions always come first: a batch job may be preempted and is queued again automatically."
        actions={
          <div className="flex items-center gap-4">
            <Link href="/queues" className="text-sm text-indigo-700 underline dark:text-indigo-300">Queues</Link>
            <Link href="/jobs/new" className="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500">
              Run as batch job
            </Link>
          </div>
        }
      />
      <JobsList initial={initial} />
    </>
  );
}
