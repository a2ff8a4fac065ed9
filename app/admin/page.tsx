import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { requireRole } from "@/lib/auth/session";

export default async function AdminPage() {
  await requireRole("admin");
  return (
    <>
      <PageHeader title="Admin" description="Users, groups, sessions, jobs, images, GPU profiles, quotas, inventory and the audit log." />
      <EmptyState title="Nothing to administer yet">The admin panel grows with each feature.</EmptyState>
    </>
  );
}
