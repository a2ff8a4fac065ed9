import Link from "next/link";
import { PageHeader } from "@/components/ui/page-header";
import { RoleBadge } from "@/components/ui/role-badge";
import { requireUser } from "@/lib/auth/session";

export default async function HomePage() {
  const user = await requireUser();
  return (
    <>
      <PageHeader title={`Welcome, ${user.name ?? user.username}`} description="Your AI Hub account, as INDIGO IAM describes it." />
      <div className="grid gap-6 md:grid-cols-2">
        <section aria-labelledby="account-heading" className="rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900">
          <h2 id="account-heading" className="text-base font-semibold">
            Account
          </h2>
          <dl className="mt-3 grid grid-cols-[8rem_1fr] gap-y-2 text-sm">
            <dt className="text-slate-600 dark:text-slate-400">Username</dt>
            <dd data-testid="username">{user.username}</dd>
            <dt className="text-slate-600 dark:text-slate-400">Email</dt>
            <dd>{user.email ?? "—"}</dd>
            <dt className="text-slate-600 dark:text-slate-400">Roles</dt>
            <dd className="flex flex-wrap gap-1">
              {user.roles.map((r) => (
                <RoleBadge key={r} role={r} />
              ))}
            </dd>
          </dl>
        </section>
        <section aria-labelledby="groups-heading" className="rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900">
          <h2 id="groups-heading" className="text-base font-semibold">
            IAM groups
          </h2>
          {user.groups.length === 0 ? (
            <p className="mt-3 text-sm text-slate-600 dark:text-slate-400">IAM reported no groups for you.</p>
          ) : (
            <ul className="mt-3 flex flex-wrap gap-2" aria-label="Your IAM groups">
              {user.groups.map((g) => (
                <li key={g} className="rounded-md bg-slate-100 px-2 py-1 font-mono text-xs dark:bg-slate-800">
                  {g}
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
      <section aria-labelledby="next-heading" className="mt-8">
        <h2 id="next-heading" className="text-base font-semibold">
          Get started
        </h2>
        <ul className="mt-3 grid gap-3 sm:grid-cols-3">
          <li>
            <Link href="/sessions" className="block rounded-lg border border-slate-200 p-4 hover:border-indigo-400 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:border-slate-800">
              <span className="font-medium">Sessions</span>
              <span className="mt-1 block text-sm text-slate-600 dark:text-slate-400">JupyterLab or VS Code on a GPU.</span>
            </Link>
          </li>
          <li>
            <Link href="/jobs" className="block rounded-lg border border-slate-200 p-4 hover:border-indigo-400 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:border-slate-800">
              <span className="font-medium">Batch jobs</span>
              <span className="mt-1 block text-sm text-slate-600 dark:text-slate-400">Turn a session into queued GPU work.</span>
            </Link>
          </li>
          <li>
            <Link href="/usage" className="block rounded-lg border border-slate-200 p-4 hover:border-indigo-400 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:border-slate-800">
              <span className="font-medium">Usage</span>
              <span className="mt-1 block text-sm text-slate-600 dark:text-slate-400">Your GPU-hours and budgets.</span>
            </Link>
          </li>
        </ul>
      </section>
    </>
  );
}
