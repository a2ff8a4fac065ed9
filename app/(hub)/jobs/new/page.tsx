import { PageHeader } from "@/components/ui/page-header";
import { SubmitJobForm, type SessionChoice } from "@/components/jobs/submit-job-form";
import { requireUser } from "@/lib/auth/session";
import { listCatalogue } from "@/lib/catalog/list-catalogue";
import { env } from "@/lib/env";
import { labelValue } from "@/lib/kube/labels";
import { listSessions } from "@/lib/sessions/list-sessions";

export const dynamic = "force-dynamic";

/** "Run as batch job" from a running session: /jobs/new?session=<id>. */
export default async function NewJobPage({ searchParams }: { searchParams: Promise<{ session?: string | string[] }> }) {
  const user = await requireUser();
  const { session } = await searchParams;
  const [sessions, catalogue] = await Promise.all([listSessions({ userId: user.id }), listCatalogue({ groups: user.groups, withCapacity: false })]);
  const running: SessionChoice[] = sessions
    .filter((s) => s.state === "ready")
    .map((s) => ({ id: s.id, name: s.name, profileKey: s.profile?.key ?? null, cpu: s.cpu, memoryGiB: s.memoryGiB, workingDir: `/home/${labelValue(user.username) || "user"}` }));
  const e = env();
  return (
    <>
      <PageHeader title="Run as batch job" description="Run a script with your session's image, environment and volumes, on idle GPUs, as many times in parallel as you need." />
      <SubmitJobForm
        sessions={running}
        catalogue={catalogue}
        initialSession={typeof session === "string" ? session : null}
        maxTrials={e.BATCH_MAX_TRIALS}
        maxDeadlineSeconds={e.BATCH_MAX_DEADLINE_SECONDS}
      />
    </>
  );
}
