/**
 * What the sign-in and error pages say for next-auth's error codes and ours. Never the underlying
 * exception: those go to the server log.
 */
const UNREACHABLE = "The identity provider cannot be reached right now, so you cannot sign in. Try again in a few minutes; if it persists, tell the platform administrators.";

const messages: Record<string, string> = {
  // next-auth: discovery or the authorization request failed — in practice, the IdP is down.
  OAuthSignin: UNREACHABLE,
  // next-auth: code exchange or ID-token verification failed (IdP down, clock skew, expired attempt).
  OAuthCallback: "The sign-in with the identity provider could not be completed: the identity provider cannot be reached or the attempt expired. Please try again.",
  Callback: "The sign-in could not be completed. Please try again.",
  OAuthCreateAccount: "The sign-in could not be completed. Please try again.",
  SessionRequired: "Please sign in to continue.",
  AccessDenied: "You are not allowed to use AI Hub.",
  Configuration: "AI Hub's sign-in is misconfigured. The administrators have been told in the server log.",
  Verification: "This sign-in link is no longer valid. Please sign in again.",
  // Ours: see lib/auth/complete-login.ts and options.ts.
  Claims: "The identity provider did not send the information AI Hub needs (a username and a subject). Ask the platform administrators to check the client's scopes.",
  Unavailable: "AI Hub could not record your sign-in because of a problem on our side. Please try again in a minute.",
};

export function authErrorMessage(code: string | undefined | null): string {
  if (!code) return "Something went wrong while signing you in. Please try again.";
  return messages[code] ?? "Something went wrong while signing you in. Please try again.";
}

export const IDP_UNREACHABLE_MESSAGE = UNREACHABLE;
