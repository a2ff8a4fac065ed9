import { getPrisma } from "@/lib/db/prisma";
import { AppError } from "@/lib/errors/app-error";
import { kube, type KubeClients } from "@/lib/kube/client";
import { deletePod } from "@/lib/kube/session-objects";
import { notifyRoute, routeSelect } from "@/lib/sessions/routes";
import { appendSessionEvent } from "@/lib/sessions/session-events";
import { ACTIVE_STATES, sessionViewInclude, toSessionView, type SessionView } from "@/lib/sessions/session-view";

/**
 * Stops a session (or cancels one still queued): the owner is in the WHERE of the update, so a
 * session of someone else is simply not found. The pod gets its grace period; the controller
 * sees it go and marks the session stopped. Stopping twice is not an error.
 */
export async function stopSession(opts: {
  userId: string;
  sessionId: string;
  /** Why, for the event log: "Stopped by you", "Stopped after 1 h without activity"… */
  reason?: string;
  gracePeriodSeconds?: number;
  db?: ReturnType<typeof getPrisma>;
  kube?: KubeClients;
}): Promise<SessionView> {
  const db = opts.db ?? getPrisma();
  const reason = opts.reason ?? "Stopped by you.";
  const found = await db.$transaction(async (tx) => {
    const { count } = await tx.session.updateMany({
      where: { id: opts.sessionId, userId: opts.userId, state: { in: ACTIVE_STATES.filter((s) => s !== "stopping") } },
      data: { state: "stopping", stopRequestedAt: new Date(), reason },
    });
    const row = await tx.session.findFirst({ where: { id: opts.sessionId, userId: opts.userId }, select: { ...routeSelect, podName: true } });
    if (!row) return null;
    if (count > 0) {
      await appendSessionEvent(tx, opts.sessionId, { progress: 100, message: `${reason} Stopping…` }, "info");
      await notifyRoute(tx, row);
    }
    return row;
  });
  if (!found) throw new AppError("NOT_FOUND", "No such session.");

  const k = opts.kube ?? kube();
  if (found.state === "stopping") {
    const existed = await deletePod(k, found.podName, opts.gracePeriodSeconds);
    if (!existed) {
      // Nothing to wait for (never created, or already gone): stopped now.
      await db.$transaction(async (tx) => {
        await tx.session.updateMany({
          where: { id: opts.sessionId, userId: opts.userId, state: "stopping" },
          data: { state: "stopped", stoppedAt: new Date(), podIp: null },
        });
        await appendSessionEvent(tx, opts.sessionId, { progress: 100, message: "Session stopped." }, "info");
      });
    }
  }
  const row = await db.session.findFirstOrThrow({ where: { id: opts.sessionId, userId: opts.userId }, include: sessionViewInclude });
  return toSessionView(row);
}
