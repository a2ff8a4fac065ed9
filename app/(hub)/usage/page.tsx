import { PageHeader } from "@/components/ui/page-header";
import { BudgetBanner } from "@/components/usage/budget-banner";
import { UsageView } from "@/components/usage/usage-view";
import { requireUser } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

export default async function UsagePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireUser();
  return (
    <>
      <PageHeader title="Usage" description="GPU-hours of your sessions and jobs, weighted by GPU profile (a MIG slice counts as its fraction of a GPU)." />
      <BudgetBanner userId={user.id} />
      <UsageView params={await searchParams} caller={{ id: user.id, username: user.username, isAdmin: false }} dimensions={["profile", "source", "group"]} />
    </>
  );
}
