"use client";

import { useState } from "react";
import { signIn } from "next-auth/react";

/** Starts the OIDC flow: next-auth fetches its CSRF token and POSTs /api/auth/signin/iam. */
export function SignInButton({ callbackUrl, providerId }: { callbackUrl: string; providerId: string }) {
  const [pending, setPending] = useState(false);
  return (
    <button
      type="button"
      disabled={pending}
      onClick={() => {
        setPending(true);
        void signIn(providerId, { callbackUrl }).catch(() => setPending(false));
      }}
      className="w-full rounded-md bg-indigo-600 px-4 py-2.5 font-medium text-white hover:bg-indigo-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500 disabled:cursor-wait disabled:opacity-70"
    >
      {pending ? "Redirecting to INDIGO IAM…" : "Sign in with INDIGO IAM"}
    </button>
  );
}
