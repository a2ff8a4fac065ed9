import { recordAudit } from "@/lib/audit/record-audit";
import { planLogout } from "@/lib/auth/logout";
import { authSecret, secureCookiesFor } from "@/lib/auth/secret";
import { env } from "@/lib/env";
import { log } from "@/lib/log";

/** Sign out (POST from the header's form): clear the session cookie, then end the IdP session. */
export async function POST(request: Request): Promise<Response> {
  const e = env();
  const baseUrl = e.NEXTAUTH_URL ?? new URL(request.url).origin;
  // A cross-site form must not sign people out; SameSite=Lax already withholds the cookie, this says so.
  const origin = request.headers.get("origin");
  if (origin && origin !== new URL(baseUrl).origin) return new Response("Cross-site sign-out refused.", { status: 403 });

  const plan = await planLogout(request.headers.get("cookie"), {
    baseUrl,
    issuer: e.OIDC_ISSUER,
    clientId: e.OIDC_CLIENT_ID,
    secret: authSecret(e),
    secureCookies: secureCookiesFor(e),
  });
  if (plan.token) {
    await recordAudit({ actorId: plan.token.uid, actorLabel: plan.token.username, action: "auth.logout", requestId: request.headers.get("x-request-id") ?? undefined }).catch(
      (err: unknown) => log.error({ err }, "could not audit a sign-out"),
    );
  }
  const headers = new Headers({ location: plan.location, "cache-control": "no-store" });
  for (const cookie of plan.clearCookies) headers.append("set-cookie", cookie);
  return new Response(null, { status: 303, headers });
}
