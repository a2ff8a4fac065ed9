import { PageHeader } from "@/components/ui/page-header";
import { UsageView } from "@/components/usage/usage-view";
import { requireRole } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

export default async function AdminUsagePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const admin = await requireRole("admin");
  const params = await searchParams;
  return (
    <>
      <PageHeader title="Usage" description="Everyone's GPU-hours per user, group and profile; split by month for month over month, by user for top consumers." />
      <UsageView params={{ by: "user", ...params }} caller={{ id: admin.id, username: admin.username, isAdmin: true }} dimensions={["user", "group", "profile", "source"]} />
    </>
  );
}
