import { PageHeader } from "@/components/ui/page-header";
import { SpawnForm } from "@/components/sessions/spawn-form";
import { BudgetBanner } from "@/components/usage/budget-banner";
import { resolveChargeGroup } from "@/lib/accounting/charge-group";
import { requireUser } from "@/lib/auth/session";
import { listCatalogue } from "@/lib/catalog/list-catalogue";
import { getPrisma } from "@/lib/db/client";

export const dynamic = "force-dynamic";

export default async function NewSessionPage() {
  const user = await requireUser();
  const [catalogue, defaultGroup] = await Promise.all([listCatalogue({ groups: user.groups }), resolveChargeGroup(getPrisma(), user)]);
  // One banner per group the user may charge that is at ≥ 80 % of a budget (each renders nothing otherwise).
  return (
    <>
      <PageHeader title="New session" description="Choose an image and resources. A full GPU profile queues you, and the session starts as soon as a slot frees." />
      {user.groups.map((g) => <BudgetBanner key={g} userId={user.id} group={g} />)}
      <SpawnForm initial={catalogue} chargeGroups={{ groups: user.groups, defaultGroup }} />
    </>
  );
}
