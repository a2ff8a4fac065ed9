import { PageHeader } from "@/components/ui/page-header";
import { BudgetBanner } from "@/components/usage/budget-banner";
import { UsageView } from "@/components/usage/usage-view";
import { DefaultGroupForm } from "@/components/usage/default-group-form";
import { requireUser } from "@/lib/auth/session";
import { getPrisma } from "@/lib/db/client";
import { resolveChargeGroup } from "@/lib/accounting/charge-group";
import { setDefaultGroupAction } from "./actions";

export const dynamic = "force-dynamic";

export default async function UsagePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireUser();
  return (
    <>
      <PageHeader title="Usage" description="GPU-hours of your sessions and jobs, weighted by GPU profile (a MIG slice counts as its fraction of a GPU)." />
      <BudgetBanner userId={user.id} />
      {user.groups.length > 1 ? <DefaultGroupForm action={setDefaultGroupAction} groups={user.groups} current={await resolveChargeGroup(getPrisma(), user)} /> : null}
      <UsageView params={await searchParams} caller={{ id: user.id, username: user.username, isAdmin: false }} dimensions={["profile", "source", "group"]} />
    </>
  );
}
