import type { Db } from "@/lib/db/prisma";
import type { MetricsResult, PrometheusClient, Sample } from "@/lib/metrics/prometheus-client";
import { deviceSeries, idleGpuHolders, type DeviceMetric } from "@/lib/metrics/promql";

/**
 * What the cluster page shows: every GPU and MIG instance with its utilisation, memory, power and
 * temperature, who holds it (pod → session or job → user), totals per profile, and the sessions
 * idle on a GPU. Prometheus gives the numbers; PostgreSQL names the holders.
 */

export interface Holder {
  kind: "session" | "job" | "other";
  namespace: string;
  pod: string;
  id: string | null;
  username: string | null;
}

export interface DeviceView {
  node: string;
  gpu: string;
  uuid: string;
  model: string;
  /** MIG profile such as 1g.10gb; null for a whole GPU. */
  migProfile: string | null;
  instanceId: string | null;
  /** 0–1; null when not reported. */
  utilisation: number | null;
  memoryUsedMiB: number | null;
  memoryTotalMiB: number | null;
  powerW: number | null;
  temperatureC: number | null;
  holder: Holder | null;
}

export interface ProfileTotals {
  profile: string;
  devices: number;
  allocated: number;
  /** Allocated and below the idle threshold right now. */
  idle: number;
}

export interface IdleHolder extends Holder {
  /** Peak activity over the window (0–1). */
  peak: number;
}

// DCGM reports unsupported fields as huge sentinels (≥ 9.2e18): treat them as not reported.
const num = (v: number | undefined): number | null => (v === undefined || !Number.isFinite(v) || v >= 9.2e18 ? null : v);
const deviceKey = (m: Record<string, string>) => `${m.Hostname ?? ""}|${m.UUID ?? ""}|${m.GPU_I_ID ?? ""}`;

/** Maps (namespace, pod) pairs to the sessions and jobs AI Hub knows. */
export async function resolveHolders(db: Db, pods: Array<{ namespace: string; pod: string }>): Promise<Map<string, Holder>> {
  const out = new Map<string, Holder>();
  if (pods.length === 0) return out;
  const namespaces = [...new Set(pods.map((p) => p.namespace))];
  const sessions = await db.session.findMany({ where: { namespace: { in: namespaces }, podName: { in: pods.map((p) => p.pod) } }, select: { id: true, namespace: true, podName: true, user: { select: { username: true } } } });
  const jobs = await db.batchJob.findMany({ where: { namespace: { in: namespaces }, state: { notIn: ["succeeded", "failed", "cancelled"] } }, select: { id: true, namespace: true, k8sName: true, user: { select: { username: true } } } });
  for (const p of pods) {
    const key = `${p.namespace}/${p.pod}`;
    const s = sessions.find((x) => x.namespace === p.namespace && x.podName === p.pod);
    // A Job's pods are named <job>-<index>-<random> (Indexed) or <job>-<random>.
    const j = s ? undefined : jobs.find((x) => x.namespace === p.namespace && p.pod.startsWith(`${x.k8sName}-`));
    out.set(key, s ? { kind: "session", namespace: p.namespace, pod: p.pod, id: s.id, username: s.user.username }
      : j ? { kind: "job", namespace: p.namespace, pod: p.pod, id: j.id, username: j.user.username }
      : { kind: "other", namespace: p.namespace, pod: p.pod, id: null, username: null });
  }
  return out;
}

export async function readDevices(prom: PrometheusClient, db: Db, opts: { idleThreshold: number }): Promise<MetricsResult<{ devices: DeviceView[]; totals: ProfileTotals[] }>> {
  const metrics: DeviceMetric[] = ["engineActive", "gpuUtil", "fbUsed", "fbFree", "power", "temperature"];
  const results = await Promise.all(metrics.map((m) => prom.query(deviceSeries(m))));
  const failed = results.find((r) => !r.ok);
  if (failed && !failed.ok) return failed;
  const by = new Map<DeviceMetric, Map<string, Sample>>();
  metrics.forEach((m, i) => {
    const r = results[i]!;
    by.set(m, new Map(r.ok ? r.data.map((s) => [deviceKey(s.metric), s]) : []));
  });
  // Engine activity exists for every device (MIG and whole datacenter GPUs): it lists them.
  const base = [...by.get("engineActive")!.values(), ...[...by.get("gpuUtil")!.values()].filter((s) => !by.get("engineActive")!.has(deviceKey(s.metric)))];
  const pods = base.filter((s) => s.metric.pod).map((s) => ({ namespace: s.metric.namespace ?? "", pod: s.metric.pod! }));
  const holders = await resolveHolders(db, pods);
  const devices: DeviceView[] = base.map((s) => {
    const k = deviceKey(s.metric);
    const m = s.metric;
    const mig = m.GPU_I_PROFILE ? m.GPU_I_PROFILE : null;
    const engine = num(by.get("engineActive")!.get(k)?.value);
    const gpuUtil = num(by.get("gpuUtil")!.get(k)?.value);
    // GPU_UTIL for whole GPUs, engine activity for MIG instances (GPU_UTIL is not reported for them).
    const util = mig ? engine : gpuUtil !== null ? gpuUtil / 100 : engine;
    const used = num(by.get("fbUsed")!.get(k)?.value);
    const free = num(by.get("fbFree")!.get(k)?.value);
    return {
      node: m.Hostname ?? m.hostname ?? "", gpu: m.gpu ?? "", uuid: m.UUID ?? "", model: m.modelName ?? "", migProfile: mig, instanceId: m.GPU_I_ID || null,
      utilisation: util, memoryUsedMiB: used, memoryTotalMiB: used !== null && free !== null ? used + free : null,
      powerW: num(by.get("power")!.get(k)?.value), temperatureC: num(by.get("temperature")!.get(k)?.value),
      holder: m.pod ? (holders.get(`${m.namespace ?? ""}/${m.pod}`) ?? null) : null,
    };
  });
  devices.sort((a, b) => a.node.localeCompare(b.node) || Number(a.gpu) - Number(b.gpu) || (a.instanceId ?? "").localeCompare(b.instanceId ?? "", undefined, { numeric: true }));
  const totals = new Map<string, ProfileTotals>();
  for (const d of devices) {
    const profile = d.migProfile ? `${d.model} ${d.migProfile}` : d.model;
    const t = totals.get(profile) ?? { profile, devices: 0, allocated: 0, idle: 0 };
    t.devices++;
    if (d.holder) {
      t.allocated++;
      if (d.utilisation !== null && d.utilisation < opts.idleThreshold) t.idle++;
    }
    totals.set(profile, t);
  }
  const warnings = results.flatMap((r) => (r.ok ? r.warnings : []));
  return { ok: true, warnings, data: { devices, totals: [...totals.values()].sort((a, b) => a.profile.localeCompare(b.profile)) } };
}

/** Pods holding a GPU below `threshold` for all of `window`, with their session/job and user. */
export async function readIdleHolders(prom: PrometheusClient, db: Db, opts: { window: string; threshold: number; namespace?: string }): Promise<MetricsResult<IdleHolder[]>> {
  const r = await prom.query(idleGpuHolders(opts));
  if (!r.ok) return r;
  const pods = r.data.map((s) => ({ namespace: s.metric.namespace ?? "", pod: s.metric.pod ?? "" })).filter((p) => p.pod);
  const holders = await resolveHolders(db, pods);
  return { ok: true, warnings: r.warnings, data: r.data.filter((s) => s.metric.pod).map((s) => ({ ...holders.get(`${s.metric.namespace ?? ""}/${s.metric.pod}`)!, peak: s.value })) };
}
