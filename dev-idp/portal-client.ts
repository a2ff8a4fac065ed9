import type { DevIdpClient } from "@/dev-idp/server";

export const DEFAULT_CLIENT_ID = "ai-hub-dev";
export const DEFAULT_CLIENT_SECRET = "ai-hub-dev-secret-not-for-production";

/** Where the portal's logout sends people back after the IdP has ended its session. */
// "/" is what an IAM client registration most likely lists; an anonymous visitor there is sent to sign-in.
export const POST_LOGOUT_PATH = "/";

/** The portal registered as a client: the next-auth callback of provider `iam` and the logout return. */
export function portalClient(portalUrl: string, clientId = DEFAULT_CLIENT_ID, clientSecret = DEFAULT_CLIENT_SECRET): DevIdpClient {
  const base = portalUrl.replace(/\/+$/, "");
  return {
    clientId,
    clientSecret,
    name: "AI Hub",
    redirectUris: [`${base}/api/auth/callback/iam`],
    postLogoutRedirectUris: [`${base}${POST_LOGOUT_PATH}`],
  };
}
