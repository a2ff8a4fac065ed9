import { PageHeader } from "@/components/ui/page-header";
import { SpawnForm } from "@/components/sessions/spawn-form";
import { requireUser } from "@/lib/auth/session";
import { listCatalogue } from "@/lib/catalog/list-catalogue";

export const dynamic = "force-dynamic";

export default async function NewSessionPage() {
  const user = await requireUser();
  const catalogue = await listCatalogue({ groups: user.groups });
  return (
    <>
      <PageHeader title="New session" description="Choose an image and resources. A full GPU profile queues you, and the session starts as soon as a slot frees." />
      <SpawnForm initial={catalogue} />
    </>
  );
}
