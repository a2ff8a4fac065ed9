import Link from "next/link";
import { PageHeader } from "@/components/ui/page-header";
import { requireRole } from "@/lib/auth/session";

const sections = [
  { href: "/admin/usage", title: "Usage", text: "GPU-hours per user, group and profile; top consumers; month over month; CSV export." },
  { href: "/admin/budgets", title: "Budgets", text: "Monthly GPU-hour budgets per group and profile, with per-user caps." },
  { href: "/admin/cluster", title: "Cluster", text: "Every GPU and MIG instance: utilisation, memory, power, temperature, who holds it, idle holders." },
];

export default async function AdminPage() {
  await requireRole("admin");
  return (
    <>
      <PageHeader title="Admin" description="Users, groups, sessions, jobs, images, GPU profiles, quotas, inventory and the audit log." />
      <ul className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
        {sections.map((s) => (
          <li key={s.href} className="rounded-lg border border-slate-200 p-4 dark:border-slate-800">
            <Link href={s.href} className="font-medium text-indigo-700 underline dark:text-indigo-300">{s.title}</Link>
            <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">{s.text}</p>
          </li>
        ))}
      </ul>
    </>
  );
}
