import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { requireUser } from "@/lib/auth/session";

export default async function Page() {
  await requireUser();
  return (
    <>
      <PageHeader title="Usage" description="GPU-hours you and your groups have used." />
      <EmptyState title="No usage recorded yet">Usage appears here once you have run sessions or jobs.</EmptyState>
    </>
  );
}
