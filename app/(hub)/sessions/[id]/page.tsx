import { notFound } from "next/navigation";
import { z } from "zod";
import { PageHeader } from "@/components/ui/page-header";
import { SessionDetail } from "@/components/sessions/session-detail";
import { SessionGpuChart } from "@/components/usage/session-gpu-chart";
import { requireUser } from "@/lib/auth/session";
import { isAppError } from "@/lib/errors/app-error";
import { getSession } from "@/lib/sessions/list-sessions";

export const dynamic = "force-dynamic";

export default async function SessionPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requireUser();
  const { id } = await params;
  if (!z.uuid().safeParse(id).success) notFound();
  const session = await getSession({ userId: user.id, sessionId: id }).catch((e: unknown) => {
    // Someone else's session is "not found", exactly like one that does not exist.
    if (isAppError(e) && e.code === "NOT_FOUND") notFound();
    throw e;
  });
  return (
    <>
      <PageHeader title={`Session ${session.name}`} />
      <SessionDetail initial={session} />
      {session.gpuCount > 0 ? (
        <section className="mt-6" aria-label="GPU">
          <SessionGpuChart sessionId={session.id} />
        </section>
      ) : null}
    </>
  );
}
