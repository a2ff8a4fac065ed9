import "server-only";
import { cache } from "react";
import { cookies, headers } from "next/headers";
import { notFound, redirect } from "next/navigation";
import { safeCallbackPath } from "@/lib/auth/callback-url";
import { forbiddenError, unauthenticatedError } from "@/lib/auth/errors";
import type { PortalUser } from "@/lib/auth/portal-user";
import { hasRole, type Role } from "@/lib/auth/roles";
import { authSecret, secureCookiesFor } from "@/lib/auth/secret";
import { decodeSessionToken, parseCookieHeader, readSessionCookie } from "@/lib/auth/session-cookie";
import { findSessionUser } from "@/lib/auth/session-user";
import { env } from "@/lib/env";

type Resolved = { state: "anonymous" } | { state: "blocked" } | { state: "signed-in"; user: PortalUser };

/**
 * The cookie says who signed in; the database says whether they still may. One primary-key read
 * per request, so an admin's block or a role change at the next login takes effect at once.
 * A tampered, expired or foreign cookie is simply "anonymous".
 */
async function resolve(cookieValues: Map<string, string>): Promise<Resolved> {
  const e = env();
  const value = readSessionCookie(cookieValues, secureCookiesFor(e));
  const token = value ? await decodeSessionToken(value, authSecret(e)) : null;
  if (!token) return { state: "anonymous" };
  const row = await findSessionUser(token.uid);
  if (!row) return { state: "anonymous" };
  if (row.blocked) return { state: "blocked" };
  return { state: "signed-in", user: { id: row.id, username: row.username, name: row.displayName, email: row.email, groups: row.groups, roles: row.roles } };
}

// Once per server render, however many components ask.
const resolveFromRequestCookies = cache(async (): Promise<Resolved> => {
  const store = await cookies();
  return resolve(new Map(store.getAll().map((c) => [c.name, c.value])));
});

/** The signed-in person in server components, layouts and server actions; null when signed out or blocked. */
export async function getCurrentUser(): Promise<PortalUser | null> {
  const resolved = await resolveFromRequestCookies();
  return resolved.state === "signed-in" ? resolved.user : null;
}

/** For pages: the signed-in person, or a redirect to sign-in that comes back to this page. */
export async function requireUser(): Promise<PortalUser> {
  const resolved = await resolveFromRequestCookies();
  if (resolved.state === "signed-in") return resolved.user;
  if (resolved.state === "blocked") redirect("/denied?reason=blocked");
  // proxy.ts passes the requested path; without it, come back to the home page.
  const path = safeCallbackPath((await headers()).get("x-pathname") ?? "/");
  redirect(`/signin?callbackUrl=${encodeURIComponent(path)}`);
}

/**
 * For pages restricted to roles (any one suffices; admin implies organiser): others get 404, so
 * that admin pages are not advertised to researchers.
 */
export async function requireRole(role: Role | Role[]): Promise<PortalUser> {
  const user = await requireUser();
  const wanted = Array.isArray(role) ? role : [role];
  if (!wanted.some((r) => hasRole(user.roles, r))) notFound();
  return user;
}

/** For route handlers: the caller from the request's session cookie; throws AppError UNAUTHENTICATED (401). */
export async function requireApiUser(request: Request): Promise<PortalUser> {
  const resolved = await resolve(parseCookieHeader(request.headers.get("cookie")));
  if (resolved.state !== "signed-in") throw unauthenticatedError();
  return resolved.user;
}

/** For route handlers restricted to roles: 401 when signed out, 403 (AppError FORBIDDEN) without the role. */
export async function requireApiRole(request: Request, role: Role | Role[]): Promise<PortalUser> {
  const user = await requireApiUser(request);
  const wanted = Array.isArray(role) ? role : [role];
  if (!wanted.some((r) => hasRole(user.roles, r))) throw forbiddenError(wanted.join(" or "));
  return user;
}
