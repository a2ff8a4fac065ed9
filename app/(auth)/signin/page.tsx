import type { Metadata } from "next";
import { safeCallbackPath } from "@/lib/auth/callback-url";
import { authErrorMessage, IDP_UNREACHABLE_MESSAGE } from "@/lib/auth/error-messages";
import { discoverIdp } from "@/lib/auth/idp-discovery";
import { IAM_PROVIDER_ID } from "@/lib/auth/options";
import { env } from "@/lib/env";
import { SignInButton } from "./sign-in-button";

export const metadata: Metadata = { title: "Sign in" };

interface Props {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export default async function SignInPage({ searchParams }: Props) {
  const params = await searchParams;
  const callbackUrl = safeCallbackPath(first(params.callbackUrl));
  const error = first(params.error);
  const issuer = env().OIDC_ISSUER;
  const idp = issuer ? await discoverIdp(issuer) : ({ ok: false, reason: "invalid" } as const);

  // One message at a time: a failed attempt explains itself; otherwise warn before the attempt.
  const problem = error ? authErrorMessage(error) : !idp.ok ? IDP_UNREACHABLE_MESSAGE : null;

  return (
    <>
      <h1 className="text-2xl font-semibold tracking-tight">Sign in</h1>
      <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">
        AI Hub uses your INFN Cloud identity (INDIGO IAM). Access is granted by your IAM group membership.
      </p>
      {problem ? (
        <p role="alert" className="mt-4 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100">
          {problem}
        </p>
      ) : null}
      <div className="mt-6">
        <SignInButton callbackUrl={callbackUrl} providerId={IAM_PROVIDER_ID} />
      </div>
    </>
  );
}
