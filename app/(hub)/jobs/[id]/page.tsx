import Link from "next/link";
import { notFound } from "next/navigation";
import { z } from "zod";
import { PageHeader } from "@/components/ui/page-header";
import { JobDetail } from "@/components/jobs/job-detail";
import { requireUser } from "@/lib/auth/session";
import { isAppError } from "@/lib/errors/app-error";
import { getJob } from "@/lib/batch/job-view";

export const dynamic = "force-dynamic";

export default async function JobPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requireUser();
  const { id } = await params;
  if (!z.uuid().safeParse(id).success) notFound();
  const job = await getJob({ userId: user.id, jobId: id }).catch((e: unknown) => {
    // Someone else's job is "not found", exactly like one that does not exist.
    if (isAppError(e) && e.code === "NOT_FOUND") notFound();
    throw e;
  });
  return (
    <>
      <PageHeader title={`Batch job ${job.name}`} actions={<Link href="/jobs" className="text-sm text-indigo-700 underline dark:text-indigo-300">All jobs</Link>} />
      <JobDetail initial={job} />
    </>
  );
}
