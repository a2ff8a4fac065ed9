import { getPrisma } from "@/lib/db/prisma";
import { AppError } from "@/lib/errors/app-error";
import { FINAL_STATES, sessionViewInclude, toSessionView, type SessionView } from "@/lib/sessions/session-view";

/** The caller's sessions: active ones, plus those that ended in the last `recentHours`. */
export async function listSessions(opts: { userId: string; recentHours?: number; db?: ReturnType<typeof getPrisma> }): Promise<SessionView[]> {
  const db = opts.db ?? getPrisma();
  const since = new Date(Date.now() - (opts.recentHours ?? 24) * 3_600_000);
  const rows = await db.session.findMany({
    where: { userId: opts.userId, OR: [{ state: { notIn: FINAL_STATES } }, { stoppedAt: { gte: since } }] },
    include: sessionViewInclude,
    orderBy: { createdAt: "desc" },
    take: 200,
  });
  return rows.map((r) => toSessionView(r));
}

/** One session of the caller; someone else's session is NOT_FOUND, not FORBIDDEN (no existence leak). */
export async function getSession(opts: { userId: string; sessionId: string; db?: ReturnType<typeof getPrisma> }): Promise<SessionView> {
  const db = opts.db ?? getPrisma();
  const row = await db.session.findFirst({ where: { id: opts.sessionId, userId: opts.userId }, include: sessionViewInclude });
  if (!row) throw new AppError("NOT_FOUND", "No such session.");
  return toSessionView(row);
}
