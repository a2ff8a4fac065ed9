import type { getPrisma } from "@/lib/db/prisma";
import type { Observation, SessionState } from "@/lib/sessions/progress";
import { notifyRoute, routeSelect, routeState } from "@/lib/sessions/routes";
import { appendSessionEvent } from "@/lib/sessions/session-events";

const FINAL: SessionState[] = ["stopped", "failed"];

/**
 * Writes what the controller observed: state, progress, node, pod IP, one event, and the proxy's
 * route notification — all in one transaction. A final session is never revived, and a session
 * being stopped only moves on to stopped or failed. Returns the state written (or kept).
 */
export async function applyObservation(db: ReturnType<typeof getPrisma>, sessionId: string, obs: Observation, now = new Date()): Promise<SessionState | null> {
  return db.$transaction(async (tx) => {
    const row = await tx.session.findUnique({ where: { id: sessionId }, select: { ...routeSelect, progress: true, node: true, readyAt: true } });
    if (!row) return null;
    const from = row.state as SessionState;
    if (FINAL.includes(from)) return from;
    if (from === "stopping" && !FINAL.includes(obs.state)) return from;

    const to = obs.state;
    const podIp = FINAL.includes(to) ? null : (obs.podIp ?? row.podIp);
    const node = obs.node ?? row.node;
    const changed = to !== from || podIp !== row.podIp || node !== row.node || obs.event.progress !== row.progress;
    if (changed) {
      await tx.session.update({
        where: { id: sessionId },
        data: {
          state: to,
          progress: obs.event.progress,
          podIp,
          node,
          ...(obs.reason !== undefined && (to === "failed" || to === "stopped") ? { reason: obs.reason } : {}),
          ...(to === "ready" && !row.readyAt ? { readyAt: now, lastActivityAt: now } : {}),
          ...(FINAL.includes(to) ? { stoppedAt: now } : {}),
        },
      });
    }
    await appendSessionEvent(tx, sessionId, obs.event, obs.level);
    if (routeState(to) !== routeState(from) || podIp !== row.podIp) {
      await notifyRoute(tx, { ...row, state: to, podIp });
    }
    return to;
  });
}
