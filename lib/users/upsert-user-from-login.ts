import { isRole, type Role } from "@/lib/auth/roles";
import { getPrisma, type Db } from "@/lib/db/prisma";
import { AppError } from "@/lib/errors/app-error";
import { Prisma, type User } from "@/lib/generated/prisma/client";

export interface LoginIdentity {
  issuer: string;
  subject: string;
  username: string;
  email: string | null;
  displayName: string;
  groups: string[];
  /** Computed from `groups` by lib/auth/roles at this login. */
  roles: string[];
}

/**
 * Creates or refreshes the user identified by the IdP's (issuer, subject) after a successful
 * login: username, email, display name, groups and roles are replaced by what the IdP says now;
 * `firstLoginAt` is set once, `lastLoginAt` every time. Returns the row, including `blocked`
 * (which only an admin changes).
 */
export async function upsertUserFromLogin(identity: LoginIdentity, tx: Db = getPrisma()): Promise<User> {
  const unknown = identity.roles.filter((r) => !isRole(r));
  if (unknown.length) throw new AppError("INVALID", `Unknown role(s): ${unknown.join(", ")}`);
  const roles = identity.roles as Role[];
  const now = new Date();
  const fields = {
    username: identity.username,
    email: identity.email,
    displayName: identity.displayName,
    groups: identity.groups,
    roles,
    lastLoginAt: now,
  };
  try {
    return await tx.user.upsert({
      where: { iamIssuer_iamSubject: { iamIssuer: identity.issuer, iamSubject: identity.subject } },
      create: { iamIssuer: identity.issuer, iamSubject: identity.subject, firstLoginAt: now, ...fields },
      update: fields,
    });
  } catch (e) {
    // Another IAM identity already holds this username (renamed account, or a second issuer).
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002") {
      throw new AppError("CONFLICT", `The username ${identity.username} belongs to another account; ask an administrator.`, undefined, { cause: e });
    }
    throw e;
  }
}
