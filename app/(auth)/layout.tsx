import type { ReactNode } from "react";

/** Sign-in, access-denied and error pages: one centred card, no header (nobody is signed in yet). */
export default function AuthLayout({ children }: { children: ReactNode }) {
  return (
    <main id="main" className="flex min-h-screen items-center justify-center px-4 py-12">
      <div className="w-full max-w-md rounded-xl border border-slate-200 bg-white p-8 shadow-sm dark:border-slate-800 dark:bg-slate-900">
        <p className="mb-6 text-lg font-semibold tracking-tight">AI Hub</p>
        {children}
      </div>
    </main>
  );
}
