import { z } from "zod";

/**
 * Claims of an INDIGO IAM ID token or userinfo answer, as far as the portal relies on them.
 * IAM puts groups under `groups` (array, no leading slash) and, with the `wlcg.groups` scope, under
 * the literal claim name `wlcg.groups` (array, each with a leading slash). Other claims pass through.
 */
export const iamClaimsSchema = z.looseObject({
  sub: z.string().min(1),
  preferred_username: z.string().optional(),
  name: z.string().optional(),
  given_name: z.string().optional(),
  family_name: z.string().optional(),
  email: z.string().optional(),
  email_verified: z.boolean().optional(),
  organisation_name: z.string().optional(),
});

export type IamClaims = z.infer<typeof iamClaimsSchema>;

/** What a login tells us about a person, independent of the IdP's claim layout. */
export interface LoginIdentity {
  subject: string;
  username: string;
  email: string | null;
  displayName: string;
  groups: string[];
}

export const DEFAULT_GROUPS_CLAIM = "groups";
const FALLBACK_GROUPS_CLAIM = "wlcg.groups";

// Usernames become a path segment (/user/<username>/...), so refuse what cannot be one.
const usernameSchema = z
  .string()
  .trim()
  .min(1, "preferred_username is missing")
  .max(128)
  .regex(/^[^\s/?#%\\]+$/, "preferred_username contains characters not allowed in a username");

/**
 * Reads a claim by path. A key containing dots is tried literally first (IAM's `wlcg.groups` is one
 * claim name), then as a nested path (`realm_access.groups` in other IdPs).
 */
export function readClaim(claims: Record<string, unknown>, path: string): unknown {
  if (path in claims) return claims[path];
  let current: unknown = claims;
  for (const part of path.split(".")) {
    if (current === null || typeof current !== "object" || !(part in current)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** Group names as the portal compares them: trimmed, without a leading slash. */
export function normaliseGroup(group: string): string {
  return group.trim().replace(/^\/+/, "");
}

function groupsFrom(value: unknown): string[] | undefined {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === "string");
  return undefined;
}

/**
 * Groups from the configured claim; when that claim is absent, from `wlcg.groups`. Leading `/` is
 * removed, blanks dropped, duplicates removed (first occurrence keeps its place).
 */
export function extractGroups(claims: Record<string, unknown>, groupsClaim: string = DEFAULT_GROUPS_CLAIM): string[] {
  const raw = groupsFrom(readClaim(claims, groupsClaim)) ?? groupsFrom(readClaim(claims, FALLBACK_GROUPS_CLAIM)) ?? [];
  return [...new Set(raw.map(normaliseGroup).filter(Boolean))];
}

export class InvalidClaimsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidClaimsError";
  }
}

/** Maps validated IAM claims to a login identity; throws InvalidClaimsError when unusable. */
export function identityFromClaims(input: unknown, groupsClaim: string = DEFAULT_GROUPS_CLAIM): LoginIdentity {
  const parsed = iamClaimsSchema.safeParse(input);
  if (!parsed.success) throw new InvalidClaimsError(`the identity provider sent unusable claims: ${parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`);
  const claims = parsed.data;
  const username = usernameSchema.safeParse(claims.preferred_username ?? "");
  if (!username.success) throw new InvalidClaimsError(username.error.issues[0]?.message ?? "bad preferred_username");
  const composed = [claims.given_name, claims.family_name].filter(Boolean).join(" ");
  return {
    subject: claims.sub,
    username: username.data,
    email: claims.email?.trim() || null,
    displayName: claims.name?.trim() || composed || username.data,
    groups: extractGroups(claims, groupsClaim),
  };
}
