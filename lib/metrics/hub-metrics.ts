import { timingSafeEqual } from "node:crypto";
import { Gauge, Histogram, Registry } from "prom-client";
import type { Db } from "@/lib/db/prisma";

/**
 * AI Hub's own metrics, named in the style of JupyterHub's (`jupyterhub_running_servers`,
 * `jupyterhub_server_spawn_duration_seconds` …) with the prefix `aihub_`. Everything is read from
 * PostgreSQL at scrape time, so any web replica answers the same and no request path is slowed by
 * bookkeeping. The proxy and controller are separate processes: their request and lag metrics are
 * not here (see docs/accounting.md).
 */

export const SPAWN_BUCKETS = [0.5, 1, 2.5, 5, 10, 15, 30, 60, 120, 180, 300, 600];

export function createHubRegistry(db: () => Db): Registry {
  const registry = new Registry();
  new Gauge({
    name: "aihub_running_sessions", help: "Sessions that are not stopped or failed, by state and GPU profile.", labelNames: ["state", "profile"], registers: [registry],
    async collect() {
      this.reset();
      const rows = await db().$queryRaw<Array<{ state: string; profile: string | null; n: bigint }>>`
        SELECT s.state::text AS state, p.key AS profile, COUNT(*) AS n FROM sessions s LEFT JOIN gpu_profiles p ON p.id = s.profile_id
        WHERE s.state NOT IN ('stopped', 'failed') GROUP BY 1, 2`;
      for (const r of rows) this.set({ state: r.state, profile: r.profile ?? "cpu" }, Number(r.n));
    },
  });
  new Gauge({
    name: "aihub_total_users", help: "People who have signed in at least once.", registers: [registry],
    async collect() {
      this.set(await db().user.count());
    },
  });
  new Gauge({
    name: "aihub_jobs", help: "Batch jobs by state.", labelNames: ["state"], registers: [registry],
    async collect() {
      this.reset();
      const rows = await db().$queryRaw<Array<{ state: string; n: bigint }>>`SELECT state::text AS state, COUNT(*) AS n FROM batch_jobs GROUP BY 1`;
      for (const r of rows) this.set({ state: r.state }, Number(r.n));
    },
  });
  new Gauge({
    name: "aihub_usage_records_open", help: "Usage records open (GPU or CPU held right now), by source.", labelNames: ["source"], registers: [registry],
    async collect() {
      this.reset();
      for (const source of ["session", "job"] as const) this.set({ source }, await db().usageRecord.count({ where: { endedAt: null, source } }));
    },
  });
  new Gauge({
    name: "aihub_controller_reconcile_lag_seconds",
    help: "Seconds since the controller's last usage reconcile pass (its heartbeat on open records); absent while no record is open.",
    registers: [registry],
    async collect() {
      this.reset();
      const [r] = await db().$queryRaw<Array<{ lag: number | null }>>`SELECT EXTRACT(EPOCH FROM (now() - MAX(last_seen_at)))::float8 AS lag FROM usage_records WHERE ended_at IS NULL`;
      if (r?.lag !== null && r?.lag !== undefined) this.set(Math.max(0, r.lag));
    },
  });
  // A histogram rebuilt from the session rows at each scrape: request → ready (success) or → failed.
  const spawn = new Histogram({ name: "aihub_server_spawn_duration_seconds", help: "Time from spawn request to ready (status=success) or to failure (status=failure).", labelNames: ["status"], buckets: SPAWN_BUCKETS, registers: [registry] });
  const original = registry.metrics.bind(registry);
  registry.metrics = async () => {
    spawn.reset();
    const rows = await db().$queryRaw<Array<{ status: string; secs: number }>>`
      SELECT CASE WHEN ready_at IS NOT NULL THEN 'success' ELSE 'failure' END AS status,
             EXTRACT(EPOCH FROM (COALESCE(ready_at, stopped_at) - created_at))::float8 AS secs
      FROM sessions WHERE ready_at IS NOT NULL OR (state = 'failed' AND stopped_at IS NOT NULL)`;
    for (const r of rows) spawn.observe({ status: r.status }, Math.max(0, r.secs));
    return original();
  };
  return registry;
}

/** True when the Authorization header carries exactly `Bearer <token>`. */
export function metricsAuthorised(header: string | null, token: string): boolean {
  const want = Buffer.from(`Bearer ${token}`);
  const got = Buffer.from(header ?? "");
  return got.length === want.length && timingSafeEqual(got, want);
}
