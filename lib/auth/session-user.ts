import { getPrisma, type Db } from "@/lib/db/prisma";

export interface SessionUserRow {
  id: string;
  username: string;
  displayName: string;
  email: string | null;
  groups: string[];
  roles: string[];
  blocked: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The user row behind a session, by primary key (one indexed read per request). Null for an id
 * that is not a user (deleted, or not a UUID at all — PostgreSQL would reject the cast).
 */
export async function findSessionUser(id: string, tx: Db = getPrisma()): Promise<SessionUserRow | null> {
  if (!UUID.test(id)) return null;
  return tx.user.findUnique({
    where: { id },
    select: { id: true, username: true, displayName: true, email: true, groups: true, roles: true, blocked: true },
  });
}
