import type { Metadata } from "next";
import Link from "next/link";
import { authErrorMessage } from "@/lib/auth/error-messages";

export const metadata: Metadata = { title: "Sign-in problem" };

interface Props {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

export default async function AuthErrorPage({ searchParams }: Props) {
  const { error } = await searchParams;
  return (
    <>
      <h1 className="text-2xl font-semibold tracking-tight">Sign-in problem</h1>
      <p role="alert" className="mt-3 text-sm text-slate-700 dark:text-slate-300">
        {authErrorMessage(typeof error === "string" ? error : undefined)}
      </p>
      <Link
        href="/signin"
        className="mt-6 inline-block rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500"
      >
        Try again
      </Link>
    </>
  );
}
