import type { Logger } from "pino";
import type { getPrisma } from "@/lib/db/prisma";
import { recordAudit } from "@/lib/audit/record-audit";
import type { KubeClients } from "@/lib/kube/client";
import { env } from "@/lib/env";
import { readIdleHolders } from "@/lib/metrics/cluster-view";
import { prometheusFromEnv, type PrometheusClient } from "@/lib/metrics/prometheus-client";
import { decideCullWithGpu, type CullPolicy, type CullReason } from "@/lib/sessions/cull";
import { appendSessionEvent } from "@/lib/sessions/session-events";
import { cullPolicyFromEnv } from "@/lib/sessions/session-view";
import { stopSession } from "@/lib/sessions/stop-session";

type Db = ReturnType<typeof getPrisma>;

const WHY: Record<CullReason, string> = {
  idle: "it has had no activity",
  "max-age": "it has reached the maximum session age",
  "gpu-idle": "its GPU has been idle",
};

let lastUnavailable: string | null = null;

/**
 * Sessions whose GPU Prometheus reports below the threshold for the whole window, or null when the
 * rule is off or the metrics are unavailable (logged with the reason, once per distinct reason:
 * never a stop on missing data).
 */
async function gpuIdleSessions(opts: { db: Db; log: Logger; namespace: string; windowMs: number; threshold: number; prom: PrometheusClient | { ok: false; reason: string } }): Promise<Set<string> | null> {
  const r = "query" in opts.prom
    ? await readIdleHolders(opts.prom, opts.db, { window: `${Math.max(1, Math.round(opts.windowMs / 1000))}s`, threshold: opts.threshold, namespace: opts.namespace })
    : opts.prom;
  if (!r.ok) {
    if (r.reason !== lastUnavailable) opts.log.warn({ reason: r.reason }, "GPU-idle culling skipped: metrics unavailable");
    lastUnavailable = r.reason;
    return null;
  }
  lastUnavailable = null;
  return new Set(r.data.filter((h) => h.kind === "session" && h.id).map((h) => h.id!));
}

/**
 * The idle culler: for every ready session, warn (shown in the UI) and later stop it, following
 * lib/sessions/cull.ts. Activity comes from the proxy through `lastActivityAt`; with CULL_GPU_IDLE,
 * GPU activity comes from Prometheus (`prom`, default PROMETHEUS_URL).
 */
export async function cullIdleSessions(opts: {
  db: Db;
  kube: KubeClients;
  log: Logger;
  policy?: CullPolicy;
  now?: Date;
  prom?: PrometheusClient | { ok: false; reason: string };
  gpuIdleThreshold?: number;
}): Promise<void> {
  const { db, log } = opts;
  const policy = opts.policy ?? cullPolicyFromEnv();
  const now = opts.now ?? new Date();
  const rows = await db.session.findMany({
    where: { namespace: opts.kube.namespace, state: "ready" },
    select: { id: true, userId: true, gpuCount: true, createdAt: true, readyAt: true, lastActivityAt: true, cullWarningAt: true, profile: { select: { cullExempt: true } } },
  });
  const gpuIdle =
    policy.gpuIdleMs && rows.some((r) => r.gpuCount > 0)
      ? await gpuIdleSessions({
          db,
          log,
          namespace: opts.kube.namespace,
          windowMs: policy.gpuIdleMs,
          threshold: opts.gpuIdleThreshold ?? env().GPU_IDLE_THRESHOLD,
          prom: opts.prom ?? prometheusFromEnv(env(), log),
        })
      : null;
  for (const r of rows) {
    const idle = gpuIdle && r.gpuCount > 0 ? gpuIdle.has(r.id) : null;
    const d = decideCullWithGpu({ ...r, exempt: r.profile?.cullExempt ?? false }, policy, now, idle);
    if (!d) continue;
    try {
      if (d.action === "warn") {
        await db.$transaction(async (tx) => {
          const { count } = await tx.session.updateMany({ where: { id: r.id, state: "ready", cullWarningAt: null }, data: { cullWarningAt: now } });
          if (count === 0) return;
          const hint = d.reason === "gpu-idle" ? "Use its GPU to keep it running, or stop it and start a CPU-only session." : "Use it to keep it running.";
          await appendSessionEvent(tx, r.id, { progress: 100, message: `This session will be stopped at ${d.cullAt.toISOString()} because ${WHY[d.reason]}. ${hint}` }, "warning");
        });
      } else if (d.action === "clear-warning") {
        await db.session.updateMany({ where: { id: r.id }, data: { cullWarningAt: null } });
      } else {
        const reason = {
          idle: `Stopped after ${Math.round(policy.idleTimeoutMs / 60_000)} minutes without activity.`,
          "max-age": "Stopped at the maximum session age.",
          "gpu-idle": `Stopped after its GPU was idle for ${Math.round((policy.gpuIdleMs ?? 0) / 60_000)} minutes.`,
        }[d.reason];
        await stopSession({ userId: r.userId, sessionId: r.id, reason, db, kube: opts.kube });
        await recordAudit({ actorLabel: "controller", action: "session.cull", targetType: "session", targetId: r.id, details: { reason: d.reason } }, db);
        log.info({ sessionId: r.id, reason: d.reason }, "session culled");
      }
    } catch (err) {
      log.error({ err, sessionId: r.id }, "culler action failed");
    }
  }
}
