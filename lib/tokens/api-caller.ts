import "server-only";
import { requireApiUser } from "@/lib/auth/session";
import { AppError } from "@/lib/errors/app-error";
import { verifyApiToken } from "@/lib/tokens/api-tokens";
import { bearerToken, type ApiTokenScope } from "@/lib/tokens/token-format";

export interface ApiCaller {
  id: string;
  username: string;
  groups: string[];
  roles: string[];
  via: "cookie" | "token";
}

/**
 * The caller of a /api/v1 route: a Bearer API token with the needed scope, or the browser session
 * cookie (which carries every scope of its user). 401 without either, 403 for a missing scope.
 */
export async function requireApiCaller(request: Request, scope: ApiTokenScope): Promise<ApiCaller> {
  const header = request.headers.get("authorization");
  if (header) {
    const token = bearerToken(header);
    const identity = token ? await verifyApiToken(token) : null;
    if (!identity) throw new AppError("UNAUTHENTICATED", "The API token is invalid, expired or revoked.");
    if (!identity.scopes.includes(scope)) throw new AppError("FORBIDDEN", `This API token lacks the ${scope} scope; create one that has it.`);
    return { id: identity.userId, username: identity.username, groups: identity.groups, roles: identity.roles, via: "token" };
  }
  const user = await requireApiUser(request);
  return { id: user.id, username: user.username, groups: user.groups, roles: user.roles, via: "cookie" };
}
