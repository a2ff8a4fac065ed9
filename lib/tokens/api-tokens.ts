import { z } from "zod";
import { getPrisma, sqlRows, type Db } from "@/lib/db/prisma";
import { AppError } from "@/lib/errors/app-error";
import { apiTokenScopes, generateApiToken, hashApiToken, looksLikeApiToken, type ApiTokenScope } from "@/lib/tokens/token-format";

/**
 * Personal API tokens: created with a name, scopes and an expiry, listed, revoked. Only the hash is
 * stored; the token itself is returned once, by createApiToken. Every query has the owner in it.
 */

export const createApiTokenSchema = z.object({
  name: z.string().trim().min(1, "give the token a name").max(100),
  scopes: z.array(z.enum(apiTokenScopes)).min(1, "choose at least one scope"),
  /** Days until it expires; at most one year. */
  expiresInDays: z.number().int().min(1).max(365).default(90),
});

export interface ApiTokenView {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

type Row = { id: string; name: string; prefix: string; scopes: string[]; createdAt: Date; expiresAt: Date | null; lastUsedAt: Date | null; revokedAt: Date | null };

function view(r: Row): ApiTokenView {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    scopes: r.scopes,
    createdAt: r.createdAt.toISOString(),
    expiresAt: r.expiresAt?.toISOString() ?? null,
    lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
    revokedAt: r.revokedAt?.toISOString() ?? null,
  };
}

const viewSelect = { id: true, name: true, prefix: true, scopes: true, createdAt: true, expiresAt: true, lastUsedAt: true, revokedAt: true } as const;

export async function createApiToken(opts: { userId: string; input: unknown; db?: Db }): Promise<{ token: string; apiToken: ApiTokenView }> {
  const input = createApiTokenSchema.parse(opts.input);
  const db = opts.db ?? getPrisma();
  const { token, hash, displayPrefix } = generateApiToken();
  const row = await db.apiToken.create({
    data: {
      userId: opts.userId,
      name: input.name,
      hash,
      prefix: displayPrefix,
      scopes: input.scopes,
      expiresAt: new Date(Date.now() + input.expiresInDays * 86_400_000),
    },
    select: viewSelect,
  });
  return { token, apiToken: view(row) };
}

export async function listApiTokens(opts: { userId: string; db?: Db }): Promise<ApiTokenView[]> {
  const db = opts.db ?? getPrisma();
  const rows = await db.apiToken.findMany({ where: { userId: opts.userId }, orderBy: { createdAt: "desc" }, select: viewSelect });
  return rows.map(view);
}

export async function revokeApiToken(opts: { userId: string; tokenId: string; db?: Db }): Promise<void> {
  const db = opts.db ?? getPrisma();
  if (!z.uuid().safeParse(opts.tokenId).success) throw new AppError("NOT_FOUND", "No such token.");
  const { count } = await db.apiToken.updateMany({ where: { id: opts.tokenId, userId: opts.userId, revokedAt: null }, data: { revokedAt: new Date() } });
  if (count === 0) {
    const exists = await db.apiToken.count({ where: { id: opts.tokenId, userId: opts.userId } });
    if (!exists) throw new AppError("NOT_FOUND", "No such token.");
  }
}

export interface TokenIdentity {
  userId: string;
  username: string;
  name: string;
  email: string | null;
  groups: string[];
  roles: string[];
  scopes: ApiTokenScope[];
}

/** Least time between two writes of a token's lastUsedAt. */
const LAST_USED_EVERY_MS = 60_000;

interface VerifyRow {
  scopes: string[];
  expires_at: Date | null;
  revoked_at: Date | null;
  user_id: string;
  username: string;
  display_name: string;
  email: string | null;
  groups: string[];
  roles: string[];
  blocked: boolean;
}

/** $1 the token's hash, $2 now, $3 the time before which lastUsedAt is rewritten. */
const VERIFY_SQL = `
  WITH t AS (
    SELECT t.id, t.scopes, t.expires_at, t.revoked_at, t.last_used_at,
           u.id AS user_id, u.username, u.display_name, u.email, u.groups, u.roles::text[] AS roles, u.blocked
    FROM api_tokens t JOIN users u ON u.id = t.user_id
    WHERE t.hash = $1
  ), touched AS (
    UPDATE api_tokens SET last_used_at = $2::timestamptz
    FROM t
    WHERE api_tokens.id = t.id AND t.revoked_at IS NULL AND NOT t.blocked
      AND (t.expires_at IS NULL OR t.expires_at > $2::timestamptz)
      AND (t.last_used_at IS NULL OR t.last_used_at < $3::timestamptz)
  )
  SELECT scopes, expires_at, revoked_at, user_id, username, display_name, email, groups, roles, blocked FROM t`;

/**
 * The owner of a valid token (not revoked, not expired, owner not blocked), or null. Also used by
 * the proxy. It runs on every API request, so it is one statement, run on the pool (sqlRows): the
 * token joined to its owner, and `lastUsedAt` written in the same statement, only when the token
 * is valid and at most once a minute per token (not on every request).
 */
export async function verifyApiToken(token: string, db: Db = getPrisma()): Promise<TokenIdentity | null> {
  if (!looksLikeApiToken(token)) return null;
  const now = new Date();
  const stale = new Date(now.getTime() - LAST_USED_EVERY_MS);
  const [row] = await sqlRows<VerifyRow>(db, VERIFY_SQL, [hashApiToken(token), now, stale]);
  if (!row || row.revoked_at || (row.expires_at && row.expires_at <= now) || row.blocked) return null;
  return {
    userId: row.user_id,
    username: row.username,
    name: row.display_name,
    email: row.email,
    groups: row.groups,
    roles: row.roles,
    scopes: row.scopes.filter((s): s is ApiTokenScope => (apiTokenScopes as readonly string[]).includes(s)),
  };
}
