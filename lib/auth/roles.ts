import { normaliseGroup } from "@/lib/auth/claims";

/**
 * Roles are computed from IAM groups at every login, never edited by hand:
 * - `researcher`: may use the hub (sessions, jobs, usage). Every admitted person has it.
 * - `organiser`: runs hackathon events.
 * - `admin`: the admin panel; implies the organiser pages too (see `hasRole`).
 *
 * Who is admitted: members of ALLOWED_GROUPS, and also members of ADMIN_GROUPS or ORGANISER_GROUPS
 * even when they are in no allowed group — naming someone admin or organiser in IAM is already a
 * decision to let them in, and requiring two memberships would only produce confusing refusals.
 */
export const ROLES = ["researcher", "organiser", "admin"] as const;
export type Role = (typeof ROLES)[number];

export interface GroupPolicy {
  allowedGroups: readonly string[];
  adminGroups: readonly string[];
  organiserGroups: readonly string[];
}

export type AccessDecision =
  | { allowed: true; roles: Role[] }
  /** `requiredGroups`: membership of any one of these would grant access. */
  | { allowed: false; requiredGroups: string[] };

function intersects(groups: ReadonlySet<string>, wanted: readonly string[]): boolean {
  return wanted.some((g) => groups.has(normaliseGroup(g)));
}

/** The roles a set of groups gives, in ROLES order; empty when the person is not admitted. */
export function rolesFromGroups(groups: readonly string[], policy: GroupPolicy): Role[] {
  const set = new Set(groups.map(normaliseGroup));
  const admin = intersects(set, policy.adminGroups);
  const organiser = intersects(set, policy.organiserGroups);
  const allowed = admin || organiser || intersects(set, policy.allowedGroups);
  if (!allowed) return [];
  return ROLES.filter((r) => r === "researcher" || (r === "organiser" && organiser) || (r === "admin" && admin));
}

/** Admits or refuses a person by their groups; a refusal names the groups that would admit them. */
export function accessDecision(groups: readonly string[], policy: GroupPolicy): AccessDecision {
  const roles = rolesFromGroups(groups, policy);
  if (roles.length > 0) return { allowed: true, roles };
  // Name the plain-user groups: that is what a researcher should ask to join, not admin rights.
  const required = policy.allowedGroups.length > 0 ? policy.allowedGroups : [...policy.organiserGroups, ...policy.adminGroups];
  return { allowed: false, requiredGroups: [...new Set(required.map(normaliseGroup))] };
}

/** Whether stored roles grant `role`; admin implies organiser and researcher, organiser implies researcher. */
export function hasRole(roles: readonly string[], role: Role): boolean {
  if (roles.includes("admin")) return true;
  if (role === "researcher") return roles.includes("researcher") || roles.includes("organiser");
  return roles.includes(role);
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
