import Link from "next/link";
import { PageHeader } from "@/components/ui/page-header";
import { SessionsList } from "@/components/sessions/sessions-list";
import { requireUser } from "@/lib/auth/session";
import { listSessions } from "@/lib/sessions/list-sessions";

export const dynamic = "force-dynamic";

export default async function SessionsPage() {
  const user = await requireUser();
  const sessions = await listSessions({ userId: user.id });
  return (
    <>
      <PageHeader
        title="Sessions"
        description="Interactive JupyterLab and VS Code sessions on MIG slices, whole GPUs or CPU only."
        actions={
          <Link href="/sessions/new" className="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500">
            New session
          </Link>
        }
      />
      <SessionsList initial={sessions} />
    </>
  );
}
