import { identityFromClaims, InvalidClaimsError } from "@/lib/auth/claims";
import type { PortalUser } from "@/lib/auth/portal-user";
import { accessDecision, type GroupPolicy } from "@/lib/auth/roles";

/** The user store and audit log, as lib/users and lib/audit provide them (injected for clarity of the boundary). */
export interface LoginServices {
  upsertUserFromLogin(input: {
    issuer: string;
    subject: string;
    username: string;
    email: string | null;
    displayName: string;
    groups: string[];
    roles: string[];
  }): Promise<{ id: string; blocked: boolean }>;
  recordAudit(entry: {
    actorId?: string;
    actorLabel: string;
    action: string;
    targetType?: string;
    targetId?: string;
    details?: Record<string, unknown>;
  }): Promise<unknown>;
}

export interface LoginSettings {
  issuer: string;
  groupsClaim: string;
  policy: GroupPolicy;
}

export type LoginOutcome =
  | { kind: "allowed"; user: PortalUser }
  /** Not admitted: `redirectTo` is the page explaining why. Nothing but an audit entry was written. */
  | { kind: "refused"; redirectTo: string };

/**
 * What happens when the IdP has vouched for someone (ID token already verified by openid-client):
 * claims → identity → access decision → user row (roles recomputed) → audit.
 */
export async function completeLogin(claims: unknown, settings: LoginSettings, services: LoginServices): Promise<LoginOutcome> {
  let identity;
  try {
    identity = identityFromClaims(claims, settings.groupsClaim);
  } catch (e) {
    if (!(e instanceof InvalidClaimsError)) throw e;
    const label = typeof (claims as { sub?: unknown })?.sub === "string" ? `sub:${(claims as { sub: string }).sub}` : "unknown";
    await services.recordAudit({ actorLabel: label, action: "auth.refused", details: { reason: "claims", problem: e.message } });
    return { kind: "refused", redirectTo: "/auth-error?error=Claims" };
  }

  const decision = accessDecision(identity.groups, settings.policy);
  if (!decision.allowed) {
    await services.recordAudit({
      actorLabel: identity.username,
      action: "auth.refused",
      details: { reason: "groups", subject: identity.subject, groups: identity.groups, requiredGroups: decision.requiredGroups },
    });
    return { kind: "refused", redirectTo: `/denied?groups=${encodeURIComponent(decision.requiredGroups.join(","))}` };
  }

  const row = await services.upsertUserFromLogin({
    issuer: settings.issuer,
    subject: identity.subject,
    username: identity.username,
    email: identity.email,
    displayName: identity.displayName,
    groups: identity.groups,
    roles: decision.roles,
  });
  if (row.blocked) {
    await services.recordAudit({ actorId: row.id, actorLabel: identity.username, action: "auth.refused", targetType: "user", targetId: row.id, details: { reason: "blocked" } });
    return { kind: "refused", redirectTo: "/denied?reason=blocked" };
  }
  await services.recordAudit({ actorId: row.id, actorLabel: identity.username, action: "auth.login", targetType: "user", targetId: row.id, details: { roles: decision.roles, groups: identity.groups } });
  return {
    kind: "allowed",
    user: { id: row.id, username: identity.username, name: identity.displayName, email: identity.email, groups: identity.groups, roles: decision.roles },
  };
}
