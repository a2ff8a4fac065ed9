import type { AuthOptions, Session } from "next-auth";
import { completeLogin, type LoginServices, type LoginSettings } from "@/lib/auth/complete-login";
import type { PortalUser } from "@/lib/auth/portal-user";
import { sessionTokenSchema } from "@/lib/auth/session-cookie";
import { log } from "@/lib/log";

export const IAM_PROVIDER_ID = "iam";

export interface AuthSettings extends LoginSettings {
  clientId: string;
  clientSecret: string;
  /** Space-separated, e.g. "openid profile email offline_access". */
  scopes: string;
  secret: string;
  secureCookies: boolean;
  sessionMaxAgeSeconds: number;
}

/** The session object next-auth hands to the browser (useSession) and to getServerSession. */
export interface PortalSession extends Session {
  user: PortalUser;
}

// signIn stores the admitted user on next-auth's `user` object; jwt reads it back (same object).
const PORTAL_USER = "portalUser";

/**
 * next-auth options: one OIDC provider `iam`. openid-client (inside next-auth) discovers the
 * issuer, runs the code flow with PKCE and state, and verifies the ID token's signature against the
 * issuer's JWKS plus iss, aud, exp and iat before `signIn` sees any claim (`idToken: true` makes the
 * ID token the source of the profile).
 */
export function buildAuthOptions(settings: AuthSettings, services: LoginServices): AuthOptions {
  return {
    secret: settings.secret,
    useSecureCookies: settings.secureCookies,
    session: { strategy: "jwt", maxAge: settings.sessionMaxAgeSeconds },
    jwt: { maxAge: settings.sessionMaxAgeSeconds },
    pages: { signIn: "/signin", error: "/auth-error" },
    providers: [
      {
        id: IAM_PROVIDER_ID,
        name: "INDIGO IAM",
        type: "oauth",
        wellKnown: `${settings.issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`,
        clientId: settings.clientId,
        clientSecret: settings.clientSecret,
        authorization: { params: { scope: settings.scopes } },
        checks: ["pkce", "state"],
        idToken: true,
        client: { token_endpoint_auth_method: "client_secret_basic", id_token_signed_response_alg: "RS256" },
        profile(profile: { sub: string; name?: string; email?: string }) {
          return { id: profile.sub, name: profile.name ?? null, email: profile.email ?? null };
        },
      },
    ],
    callbacks: {
      async signIn({ user, profile }) {
        try {
          const outcome = await completeLogin(profile, settings, services);
          if (outcome.kind === "refused") return outcome.redirectTo;
          Object.assign(user, { [PORTAL_USER]: outcome.user });
          return true;
        } catch (err) {
          // A database outage must not show next-auth's error text (it would carry the message).
          log.error({ err }, "login could not be completed");
          return "/auth-error?error=Unavailable";
        }
      },
      async jwt({ token, user, account }) {
        if (!user || !account) return token;
        const admitted = (user as { [PORTAL_USER]?: PortalUser })[PORTAL_USER];
        if (!admitted) throw new Error("signIn did not admit this user");
        // Only what the portal needs; the IdP's access and refresh tokens are dropped here. The ID
        // token stays inside the encrypted cookie for id_token_hint at logout.
        return {
          sub: admitted.id,
          uid: admitted.id,
          username: admitted.username,
          name: admitted.name,
          email: admitted.email,
          groups: admitted.groups,
          roles: admitted.roles,
          idToken: account.id_token,
        };
      },
      async session({ session, token }) {
        const parsed = sessionTokenSchema.safeParse(token);
        if (!parsed.success) return { expires: session.expires } as Session;
        const t = parsed.data;
        const user: PortalUser = { id: t.uid, username: t.username, name: t.name ?? null, email: t.email ?? null, groups: t.groups, roles: t.roles };
        return { expires: session.expires, user } satisfies PortalSession;
      },
    },
    logger: {
      error(code, metadata) {
        const message = metadata instanceof Error ? metadata.message : (metadata as { error?: Error })?.error?.message;
        log.warn({ code, message }, "next-auth error");
      },
      warn(code) {
        log.warn({ code }, "next-auth warning");
      },
      debug() {},
    },
  };
}
