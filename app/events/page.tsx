import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { requireRole } from "@/lib/auth/session";

export default async function EventsPage() {
  await requireRole(["organiser", "admin"]);
  return (
    <>
      <PageHeader title="Events" description="Hackathons and schools: seats, time windows and usage reports." />
      <EmptyState title="No events yet">Organisers will create hackathon events here.</EmptyState>
    </>
  );
}
