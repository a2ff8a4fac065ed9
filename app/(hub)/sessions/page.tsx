import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { requireUser } from "@/lib/auth/session";

export default async function Page() {
  await requireUser();
  return (
    <>
      <PageHeader title="Sessions" description="Interactive JupyterLab and VS Code sessions on MIG slices, whole GPUs or CPU only." />
      <EmptyState title="No sessions yet">Starting sessions arrives with the sessions feature.</EmptyState>
    </>
  );
}
