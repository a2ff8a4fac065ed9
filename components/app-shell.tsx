import type { ReactNode } from "react";
import Link from "next/link";
import { NavLinks } from "@/components/nav-links";
import { RoleBadge } from "@/components/ui/role-badge";

export interface ShellUser {
  username: string;
  name: string | null;
  roles: string[];
}

/** The frame of every signed-in page: skip link, header with the user and navigation, content. */
export function AppShell({ user, children }: { user: ShellUser; children: ReactNode }) {
  const isAdmin = user.roles.includes("admin");
  const isOrganiser = user.roles.includes("organiser");
  const links = [
    { href: "/sessions", label: "Sessions" },
    { href: "/jobs", label: "Jobs" },
    { href: "/queues", label: "Queues" },
    { href: "/usage", label: "Usage" },
    ...(isOrganiser || isAdmin ? [{ href: "/events", label: "Events" }] : []),
    ...(isAdmin ? [{ href: "/admin", label: "Admin" }] : []),
  ];
  return (
    <div className="min-h-screen bg-slate-50 text-slate-900 dark:bg-slate-950 dark:text-slate-100">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:text-slate-900"
      >
        Skip to content
      </a>
      <header className="border-b border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
          <Link href="/" className="text-lg font-semibold tracking-tight focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500">
            AI Hub
          </Link>
          <nav aria-label="Main" className="order-3 w-full sm:order-none sm:w-auto">
            <NavLinks links={links} />
          </nav>
          <div className="ml-auto flex items-center gap-3">
            <span className="text-sm" data-testid="current-user">
              {user.name ?? user.username}
            </span>
            <span className="flex gap-1" aria-label="Your roles">
              {user.roles.map((r) => (
                <RoleBadge key={r} role={r} />
              ))}
            </span>
            <form action="/api/auth/logout" method="post">
              <button
                type="submit"
                className="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500 dark:border-slate-700 dark:hover:bg-slate-800"
              >
                Sign out
              </button>
            </form>
          </div>
        </div>
      </header>
      <main id="main" className="mx-auto max-w-6xl px-4 py-8">
        {children}
      </main>
    </div>
  );
}
