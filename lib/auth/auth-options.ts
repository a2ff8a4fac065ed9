import "server-only";
import type { AuthOptions } from "next-auth";
import { recordAudit } from "@/lib/audit/record-audit";
import { buildAuthOptions } from "@/lib/auth/options";
import { authSecret, secureCookiesFor } from "@/lib/auth/secret";
import { env } from "@/lib/env";
import { upsertUserFromLogin } from "@/lib/users/upsert-user-from-login";

let cached: AuthOptions | undefined;

/** next-auth options for this process, from the validated environment and the real user store. */
export function getAuthOptions(): AuthOptions {
  if (cached) return cached;
  const e = env();
  if (!e.OIDC_ISSUER || !e.OIDC_CLIENT_ID || !e.OIDC_CLIENT_SECRET) {
    // `npm run dev` starts the development IdP and sets these; a deployment must set them.
    throw new Error("OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET must be set for sign-in");
  }
  cached = buildAuthOptions(
    {
      issuer: e.OIDC_ISSUER.replace(/\/+$/, ""),
      clientId: e.OIDC_CLIENT_ID,
      clientSecret: e.OIDC_CLIENT_SECRET,
      scopes: e.OIDC_SCOPES,
      groupsClaim: e.OIDC_GROUPS_CLAIM,
      policy: { allowedGroups: e.ALLOWED_GROUPS, adminGroups: e.ADMIN_GROUPS, organiserGroups: e.ORGANISER_GROUPS },
      secret: authSecret(e),
      secureCookies: secureCookiesFor(e),
      sessionMaxAgeSeconds: Math.round(e.AUTH_SESSION_HOURS * 3600),
    },
    {
      upsertUserFromLogin: (input) => upsertUserFromLogin(input),
      recordAudit: (entry) => recordAudit(entry),
    },
  );
  return cached;
}
