import type { Db } from "@/lib/db/prisma";
import { AppError } from "@/lib/errors/app-error";

/**
 * The group a session or job is charged to: the one the user picked at spawn/submit (it must be
 * one of their groups), else their default (UserAccountingPrefs), else their first group.
 */
export async function resolveChargeGroup(db: Db, user: { id: string; groups: readonly string[] }, requested?: string | null): Promise<string> {
  if (requested) {
    if (!user.groups.includes(requested)) {
      const message = `You are not a member of group ${requested}; charge one of your groups (${user.groups.join(", ") || "none"}).`;
      throw new AppError("INVALID", message, { fields: { chargeGroup: message } });
    }
    return requested;
  }
  const prefs = await db.userAccountingPrefs.findUnique({ where: { userId: user.id } });
  if (prefs && user.groups.includes(prefs.defaultGroup)) return prefs.defaultGroup;
  return user.groups[0] ?? "unassigned";
}

/**
 * resolveChargeGroup without a database read on the common path: a user of one group who names
 * none is charged to it (a default must be one of the user's groups, whatever the preferences say).
 */
export async function chargeGroupOf(db: Db, user: { id: string; groups: readonly string[] }, requested?: string | null): Promise<string> {
  return !requested && user.groups.length === 1 ? user.groups[0]! : resolveChargeGroup(db, user, requested);
}

/** Sets the user's default charged group (must be one of theirs). */
export async function setDefaultChargeGroup(db: Db, user: { id: string; groups: readonly string[] }, group: string): Promise<void> {
  await resolveChargeGroup(db, user, group);
  await db.userAccountingPrefs.upsert({ where: { userId: user.id }, create: { userId: user.id, defaultGroup: group }, update: { defaultGroup: group } });
}
