import type { CycleResult } from "./scheduler";
import { isAdmitted, reservedUsage } from "./workload-status";

/**
 * A few of Kueue's own Prometheus metrics (reference §1.12, v0.14 names and labels), rendered from
 * the last scheduling cycle: kueue_pending_workloads, kueue_admitted_active_workloads,
 * kueue_reserving_active_workloads and (as with metrics.enableClusterQueueResources)
 * kueue_cluster_queue_resource_usage / _resource_reservation / _nominal_quota.
 */
const esc = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
const labels = (l: [string, string][]) => `{${l.map(([k, v]) => `${k}="${esc(v)}"`).join(",")}}`;
// Kueue reports quantities as plain numbers (cpu in cores, memory in bytes).
const num = (v: number) => String(v);

export function renderKueueMetrics(r: CycleResult | undefined): string {
  if (!r) return "";
  const out: string[] = [];
  const family = (name: string, help: string, rows: [[string, string][], number][]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const [l, v] of rows) out.push(`${name}${labels(l)} ${num(v)}`);
  };
  const cqs = [...r.snapshot.cqs.values()].sort((a, b) => a.name.localeCompare(b.name));
  const live = r.workloads.filter((w) => w.status?.admission && !w.status?.conditions?.some((c: { type: string; status: string }) => c.type === "Finished" && c.status === "True"));
  family("kueue_pending_workloads", "The number of pending workloads, per 'cluster_queue' and 'status'.", cqs.flatMap((c) => [
    [[["cluster_queue", c.name], ["status", "active"]], r.pending.get(c.name)?.length ?? 0],
    [[["cluster_queue", c.name], ["status", "inadmissible"]], r.inadmissible.get(c.name) ?? 0],
  ] as [[string, string][], number][]));
  family("kueue_reserving_active_workloads", "The number of Workloads that are reserving quota, per 'cluster_queue'", cqs.map((c) => [[["cluster_queue", c.name]], live.filter((w) => w.status.admission.clusterQueue === c.name).length]));
  family("kueue_admitted_active_workloads", "The number of admitted Workloads that are active (unsuspended and not finished), per 'cluster_queue'", cqs.map((c) => [[["cluster_queue", c.name]], live.filter((w) => w.status.admission.clusterQueue === c.name && isAdmitted(w)).length]));
  const res = (admittedOnly: boolean): [[string, string][], number][] => cqs.flatMap((c) => {
    const u = new Map<string, number>();
    for (const w of live) if (w.status.admission.clusterQueue === c.name && (!admittedOnly || isAdmitted(w))) for (const [k, v] of reservedUsage(w)) u.set(k, (u.get(k) ?? 0) + v);
    return c.groups.flatMap((g) => g.flavors.flatMap((f) => g.covered.map((x) => [[["cohort", c.cohort ?? ""], ["cluster_queue", c.name], ["flavor", f.name], ["resource", x]], u.get(`${f.name}\u0000${x}`) ?? 0] as [[string, string][], number])));
  });
  family("kueue_cluster_queue_resource_reservation", "Reports the cluster_queue's total resource reservation within all the flavors", res(false));
  family("kueue_cluster_queue_resource_usage", "Reports the cluster_queue's total resource usage within all the flavors", res(true));
  family("kueue_cluster_queue_nominal_quota", "Reports the cluster_queue's resource nominal quota within all the flavors", cqs.flatMap((c) => c.groups.flatMap((g) => g.flavors.flatMap((f) => g.covered.map((x) => [[["cohort", c.cohort ?? ""], ["cluster_queue", c.name], ["flavor", f.name], ["resource", x]], f.resources.get(x)?.nominal ?? 0] as [[string, string][], number])))));
  return out.join("\n") + "\n";
}
