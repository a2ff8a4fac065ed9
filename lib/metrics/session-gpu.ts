import type { Db } from "@/lib/db/prisma";
import { AppError } from "@/lib/errors/app-error";
import type { PrometheusClient } from "@/lib/metrics/prometheus-client";
import { podSeries } from "@/lib/metrics/promql";

export interface SessionGpuPoint {
  time: number;
  activity: number | null;
  memoryMiB: number | null;
}

export type SessionGpu = { available: true; points: SessionGpuPoint[] } | { available: false; reason: string };

/**
 * GPU activity and memory of one session's pod over the last `minutes`, for its detail page. The
 * owner in the WHERE: another user's session is NOT_FOUND, as everywhere else.
 */
export async function readSessionGpu(prom: PrometheusClient | { ok: false; reason: string }, db: Db, opts: { sessionId: string; userId: string; isAdmin: boolean; minutes: number; now?: Date }): Promise<SessionGpu> {
  const s = await db.session.findFirst({ where: { id: opts.sessionId, ...(opts.isAdmin ? {} : { userId: opts.userId }) }, select: { namespace: true, podName: true, gpuCount: true } });
  if (!s) throw new AppError("NOT_FOUND", "No such session.");
  if (s.gpuCount === 0) return { available: false, reason: "this session has no GPU" };
  if ("ok" in prom) return { available: false, reason: prom.reason };
  const end = opts.now ?? new Date();
  const start = new Date(end.getTime() - opts.minutes * 60_000);
  // About 120 points whatever the window.
  const stepSeconds = Math.max(1, Math.round((opts.minutes * 60) / 120));
  const q = podSeries({ namespace: s.namespace, pod: s.podName });
  const [a, m] = await Promise.all([prom.queryRange(q.activity, { start, end, stepSeconds }), prom.queryRange(q.memoryMiB, { start, end, stepSeconds })]);
  if (!a.ok) return { available: false, reason: a.reason };
  if (!m.ok) return { available: false, reason: m.reason };
  const points = new Map<number, SessionGpuPoint>();
  for (const p of a.data[0]?.points ?? []) points.set(p.time, { time: p.time, activity: Number.isFinite(p.value) ? p.value : null, memoryMiB: null });
  for (const p of m.data[0]?.points ?? []) points.set(p.time, { ...(points.get(p.time) ?? { time: p.time, activity: null }), memoryMiB: Number.isFinite(p.value) ? p.value : null });
  return { available: true, points: [...points.values()].sort((x, y) => x.time - y.time) };
}
