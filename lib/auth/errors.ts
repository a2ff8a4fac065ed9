import { AppError } from "@/lib/errors/app-error";

/** Route handlers throw this when no valid session or token came with the request (→ 401 JSON). */
export function unauthenticatedError(): AppError {
  return new AppError("UNAUTHENTICATED", "Sign in to use this API.");
}

/**
 * A signed-in caller without the role. API routes answer 403; pages answer 404 instead (requireRole)
 * so that admin pages are not advertised.
 */
export function forbiddenError(role: string): AppError {
  return new AppError("FORBIDDEN", `This needs the ${role} role.`);
}
