import { getPrisma, type Db } from "@/lib/db/prisma";
import type { AuditLog, Prisma } from "@/lib/generated/prisma/client";

export interface AuditEntry {
  /** The acting user's row, when there is one. */
  actorId?: string;
  /** Always set: the username, or who acted without a row ("controller", a refused outsider's username). */
  actorLabel: string;
  /** Dotted verb: "auth.login", "auth.refused", "session.stop" … */
  action: string;
  targetType?: string;
  targetId?: string;
  /** JSON-serialisable facts about the action; never secrets or tokens. */
  details?: object;
  requestId?: string;
}

/**
 * Appends one audit entry. Pass `tx` to write it in the same transaction as the change it records,
 * so that there is never a change without its entry (or an entry for a change rolled back).
 */
export async function recordAudit(entry: AuditEntry, tx: Db = getPrisma()): Promise<AuditLog> {
  return tx.auditLog.create({
    data: {
      // strictUndefinedChecks: optional fields are set to null, never left `undefined`.
      actorId: entry.actorId ?? null,
      actorLabel: entry.actorLabel,
      action: entry.action,
      targetType: entry.targetType ?? null,
      targetId: entry.targetId ?? null,
      details: (entry.details ?? {}) as Prisma.InputJsonObject,
      requestId: entry.requestId ?? null,
    },
  });
}
