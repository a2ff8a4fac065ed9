import { discoverIdp } from "@/lib/auth/idp-discovery";
import { parseCookieHeader, readSessionCookie, decodeSessionToken, sessionCookieName, type SessionToken } from "@/lib/auth/session-cookie";

// "/" is what an IAM client registration most likely lists; an anonymous visitor there is sent to sign-in.
export const POST_LOGOUT_PATH = "/";

export interface LogoutSettings {
  /** The portal's public base URL (NEXTAUTH_URL), or the request's origin when unset. */
  baseUrl: string;
  issuer: string | undefined;
  clientId: string | undefined;
  secret: string;
  secureCookies: boolean;
}

export interface LogoutPlan {
  /** Who was signed in, if anyone (for the audit log). */
  token: SessionToken | null;
  /** Where to send the browser: the IdP's end-session endpoint, or the portal's sign-in page. */
  location: string;
  /** Set-Cookie values deleting the session cookie and all its chunks. */
  clearCookies: string[];
}

/**
 * Ends the portal session and, when the IdP advertises an end_session_endpoint (RP-initiated
 * logout), ends the IdP session too, with id_token_hint so IAM knows whom to sign out and may
 * return to post_logout_redirect_uri (which must be registered at the IdP).
 */
export async function planLogout(cookieHeader: string | null, settings: LogoutSettings): Promise<LogoutPlan> {
  const cookies = parseCookieHeader(cookieHeader);
  const name = sessionCookieName(settings.secureCookies);
  const value = readSessionCookie(cookies, settings.secureCookies);
  const token = value ? await decodeSessionToken(value, settings.secret) : null;
  const attributes = `Path=/; Max-Age=0; HttpOnly; SameSite=Lax${settings.secureCookies ? "; Secure" : ""}`;
  const clearCookies = [...cookies.keys()].filter((k) => k === name || k.startsWith(`${name}.`)).map((k) => `${k}=; ${attributes}`);

  const back = `${settings.baseUrl.replace(/\/+$/, "")}${POST_LOGOUT_PATH}`;
  let location = back;
  if (settings.issuer) {
    const idp = await discoverIdp(settings.issuer);
    const endpoint = idp.ok ? idp.discovery.end_session_endpoint : undefined;
    if (endpoint) {
      const url = new URL(endpoint);
      if (token?.idToken) url.searchParams.set("id_token_hint", token.idToken);
      if (settings.clientId) url.searchParams.set("client_id", settings.clientId);
      url.searchParams.set("post_logout_redirect_uri", back);
      location = url.toString();
    }
  }
  return { token, location, clearCookies };
}
