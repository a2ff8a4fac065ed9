import type { Metadata } from "next";
import Link from "next/link";
import { accessDecision } from "@/lib/auth/roles";
import { env } from "@/lib/env";

export const metadata: Metadata = { title: "Access denied" };

interface Props {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

export default async function DeniedPage({ searchParams }: Props) {
  const { reason } = await searchParams;
  const config = env();
  // The groups come from the configuration, not the URL, so a crafted link cannot put words here.
  const decision = accessDecision([], { allowedGroups: config.ALLOWED_GROUPS, adminGroups: config.ADMIN_GROUPS, organiserGroups: config.ORGANISER_GROUPS });
  const requiredGroups = decision.allowed ? [] : decision.requiredGroups;

  if (reason === "blocked") {
    return (
      <>
        <h1 className="text-2xl font-semibold tracking-tight">Your account is blocked</h1>
        <p className="mt-3 text-sm text-slate-700 dark:text-slate-300">
          An AI Hub administrator has blocked your account, so you cannot sign in. Your files and settings are kept. If you think this is a mistake,
          contact the platform administrators.
        </p>
      </>
    );
  }

  return (
    <>
      <h1 className="text-2xl font-semibold tracking-tight">You do not have access to AI Hub</h1>
      <p className="mt-3 text-sm text-slate-700 dark:text-slate-300">
        You signed in with INDIGO IAM, but you are not a member of a group that grants access.
        {requiredGroups.length === 1 ? " Access is granted to members of this IAM group:" : " Access is granted to members of any of these IAM groups:"}
      </p>
      <ul className="mt-3 flex flex-wrap gap-2" aria-label="Groups that grant access">
        {requiredGroups.map((g) => (
          <li key={g} className="rounded-md bg-slate-100 px-2 py-1 font-mono text-sm dark:bg-slate-800" data-testid="required-group">
            {g}
          </li>
        ))}
      </ul>
      <p className="mt-4 text-sm text-slate-700 dark:text-slate-300">
        Request membership in INDIGO IAM (your group&apos;s managers approve it), then sign in again. Nothing was stored about you apart from a record of this
        attempt.
      </p>
      <Link
        href="/signin"
        className="mt-6 inline-block rounded-md border border-slate-300 px-4 py-2 text-sm hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500 dark:border-slate-700 dark:hover:bg-slate-800"
      >
        Back to sign-in
      </Link>
    </>
  );
}
