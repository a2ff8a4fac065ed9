import type { Logger } from "pino";
import type { getPrisma } from "@/lib/db/prisma";
import { recordAudit } from "@/lib/audit/record-audit";
import type { KubeClients } from "@/lib/kube/client";
import { decideCull, type CullPolicy } from "@/lib/sessions/cull";
import { appendSessionEvent } from "@/lib/sessions/session-events";
import { cullPolicyFromEnv } from "@/lib/sessions/session-view";
import { stopSession } from "@/lib/sessions/stop-session";

/**
 * The idle culler: for every ready session, warn (shown in the UI) and later stop it, following
 * lib/sessions/cull.ts. Activity comes from the proxy through `lastActivityAt`.
 */
export async function cullIdleSessions(opts: { db: ReturnType<typeof getPrisma>; kube: KubeClients; log: Logger; policy?: CullPolicy; now?: Date }): Promise<void> {
  const { db, log } = opts;
  const policy = opts.policy ?? cullPolicyFromEnv();
  const now = opts.now ?? new Date();
  const rows = await db.session.findMany({
    where: { namespace: opts.kube.namespace, state: "ready" },
    select: { id: true, userId: true, createdAt: true, readyAt: true, lastActivityAt: true, cullWarningAt: true, profile: { select: { cullExempt: true } } },
  });
  for (const r of rows) {
    const d = decideCull({ ...r, exempt: r.profile?.cullExempt ?? false }, policy, now);
    if (!d) continue;
    try {
      if (d.action === "warn") {
        await db.$transaction(async (tx) => {
          const { count } = await tx.session.updateMany({ where: { id: r.id, state: "ready", cullWarningAt: null }, data: { cullWarningAt: now } });
          if (count === 0) return;
          const why = d.reason === "idle" ? "it has had no activity" : "it has reached the maximum session age";
          await appendSessionEvent(tx, r.id, { progress: 100, message: `This session will be stopped at ${d.cullAt.toISOString()} because ${why}. Use it to keep it running.` }, "warning");
        });
      } else if (d.action === "clear-warning") {
        await db.session.updateMany({ where: { id: r.id }, data: { cullWarningAt: null } });
      } else {
        const reason = d.reason === "idle" ? `Stopped after ${Math.round(policy.idleTimeoutMs / 60_000)} minutes without activity.` : "Stopped at the maximum session age.";
        await stopSession({ userId: r.userId, sessionId: r.id, reason, db, kube: opts.kube });
        await recordAudit({ actorLabel: "controller", action: "session.cull", targetType: "session", targetId: r.id, details: { reason: d.reason } }, db);
        log.info({ sessionId: r.id, reason: d.reason }, "session culled");
      }
    } catch (err) {
      log.error({ err, sessionId: r.id }, "culler action failed");
    }
  }
}
