import Link from "next/link";
import { PageHeader } from "@/components/ui/page-header";
import { MetricsUnavailable } from "@/components/usage/metrics-unavailable";
import { requireRole } from "@/lib/auth/session";
import { getPrisma } from "@/lib/db/client";
import { env } from "@/lib/env";
import { log } from "@/lib/log";
import { readDevices, readIdleHolders, type Holder } from "@/lib/metrics/cluster-view";
import { prometheusFromEnv } from "@/lib/metrics/prometheus-client";

export const dynamic = "force-dynamic";

const pct = (v: number | null) => (v === null ? "—" : `${Math.round(v * 100)} %`);
const num = (v: number | null, unit: string) => (v === null ? "—" : `${Math.round(v).toLocaleString("en-US")} ${unit}`);

function HolderCell({ h }: { h: Holder | null }) {
  if (!h) return <span className="text-slate-500">free</span>;
  const who = h.username ? `${h.username} · ` : "";
  if (h.kind === "session" && h.id) return <Link className="text-indigo-700 underline dark:text-indigo-300" href={`/sessions/${h.id}`}>{who}session</Link>;
  if (h.kind === "job" && h.id) return <Link className="text-indigo-700 underline dark:text-indigo-300" href={`/jobs/${h.id}`}>{who}job</Link>;
  return <span>{h.namespace}/{h.pod}</span>;
}

export default async function ClusterPage() {
  await requireRole("admin");
  const e = env();
  const db = getPrisma();
  const prom = prometheusFromEnv(e, log);
  const [devices, idle] = "ok" in prom
    ? [prom, prom]
    : await Promise.all([readDevices(prom, db, { idleThreshold: e.GPU_IDLE_THRESHOLD }), readIdleHolders(prom, db, { window: e.GPU_IDLE_WINDOW, threshold: e.GPU_IDLE_THRESHOLD })]);
  const th = "px-3 py-2 text-left font-medium";
  const td = "px-3 py-2 tabular-nums";
  return (
    <>
      <PageHeader title="Cluster" description={`Every GPU and MIG instance from Prometheus (DCGM exporter), who holds it, and sessions below ${Math.round(e.GPU_IDLE_THRESHOLD * 100)} % GPU activity for ${e.GPU_IDLE_WINDOW}.`} />
      {!devices.ok ? <MetricsUnavailable reason={devices.reason} /> : (
        <div className="space-y-8">
          <section aria-labelledby="totals">
            <h2 id="totals" className="mb-2 text-lg font-semibold">Allocated and idle per profile</h2>
            <table className="w-full text-sm">
              <thead className="bg-slate-50 dark:bg-slate-900"><tr><th scope="col" className={th}>Profile</th><th scope="col" className={th}>Devices</th><th scope="col" className={th}>Allocated</th><th scope="col" className={th}>Allocated but idle now</th></tr></thead>
              <tbody>
                {devices.data.totals.map((t) => (
                  <tr key={t.profile} className="border-t border-slate-100 dark:border-slate-800"><th scope="row" className="px-3 py-2 text-left font-normal">{t.profile}</th><td className={td}>{t.devices}</td><td className={td}>{t.allocated}</td><td className={td}>{t.idle}</td></tr>
                ))}
              </tbody>
            </table>
          </section>
          <section aria-labelledby="idle">
            <h2 id="idle" className="mb-2 text-lg font-semibold">Idle GPU holders</h2>
            {!idle.ok ? <MetricsUnavailable reason={idle.reason} /> : idle.data.length === 0 ? <p className="text-sm text-slate-600 dark:text-slate-400">None: every GPU holder was active in the window.</p> : (
              <ul className="list-disc pl-6 text-sm">
                {idle.data.map((h) => <li key={`${h.namespace}/${h.pod}`}><HolderCell h={h} /> — peak {pct(h.peak)} over {e.GPU_IDLE_WINDOW}</li>)}
              </ul>
            )}
          </section>
          <section aria-labelledby="devices">
            <h2 id="devices" className="mb-2 text-lg font-semibold">Devices</h2>
            <div className="overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-800">
              <table className="w-full text-sm">
                <thead className="bg-slate-50 dark:bg-slate-900">
                  <tr>{["Node", "GPU", "Model", "MIG instance", "Utilisation", "Memory used", "Power", "Temperature", "Held by"].map((h) => <th key={h} scope="col" className={th}>{h}</th>)}</tr>
                </thead>
                <tbody>
                  {devices.data.devices.map((d) => (
                    <tr key={`${d.node}/${d.uuid}/${d.instanceId ?? ""}`} className="border-t border-slate-100 dark:border-slate-800">
                      <th scope="row" className="px-3 py-2 text-left font-normal">{d.node}</th>
                      <td className={td}>{d.gpu}</td>
                      <td className="px-3 py-2">{d.model}</td>
                      <td className="px-3 py-2">{d.migProfile ? `${d.migProfile} #${d.instanceId}` : "whole GPU"}</td>
                      <td className={td}>
                        <span className="inline-block h-2 w-16 rounded bg-slate-200 align-middle dark:bg-slate-700" aria-hidden><span className="block h-2 rounded bg-indigo-500" style={{ width: `${Math.round((d.utilisation ?? 0) * 100)}%` }} /></span> {pct(d.utilisation)}
                      </td>
                      <td className={td}>{d.memoryUsedMiB === null ? "—" : `${num(d.memoryUsedMiB, "MiB")}${d.memoryTotalMiB ? ` / ${num(d.memoryTotalMiB, "MiB")}` : ""}`}</td>
                      <td className={td}>{num(d.powerW, "W")}</td>
                      <td className={td}>{num(d.temperatureC, "°C")}</td>
                      <td className="px-3 py-2"><HolderCell h={d.holder} /></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        </div>
      )}
    </>
  );
}
