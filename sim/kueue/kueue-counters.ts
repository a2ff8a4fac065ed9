/**
 * Kueue's counters and the admission wait histogram (reference §1.12, v0.14 labels):
 * kueue_admitted_workloads_total{cluster_queue,priority_class},
 * kueue_admission_wait_time_seconds{cluster_queue,priority_class},
 * kueue_preempted_workloads_total{preempting_cluster_queue,reason},
 * kueue_evicted_workloads_total{cluster_queue,reason,underlying_cause,priority_class}.
 * Buckets follow Kueue's generateExponentialBuckets(14): 1, then 2.5·2^k seconds.
 */
const BUCKETS = [1, ...Array.from({ length: 13 }, (_, k) => 2.5 * 2 ** k)];

const esc = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
const fmt = (l: [string, string][]) => l.map(([k, v]) => `${k}="${esc(v)}"`).join(",");

interface Histogram { counts: number[]; sum: number; count: number }

export class KueueCounters {
  private readonly admitted = new Map<string, number>();
  private readonly preempted = new Map<string, number>();
  private readonly evicted = new Map<string, number>();
  private readonly wait = new Map<string, Histogram>();

  private static inc(m: Map<string, number>, labels: [string, string][]): void {
    const k = JSON.stringify(labels);
    m.set(k, (m.get(k) ?? 0) + 1);
  }

  onAdmitted(cq: string, priorityClass: string, waitSeconds: number): void {
    const labels: [string, string][] = [["cluster_queue", cq], ["priority_class", priorityClass]];
    KueueCounters.inc(this.admitted, labels);
    const k = JSON.stringify(labels);
    const h = this.wait.get(k) ?? { counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
    BUCKETS.forEach((b, i) => { if (waitSeconds <= b) h.counts[i]!++; });
    h.sum += waitSeconds;
    h.count++;
    this.wait.set(k, h);
  }

  onPreempted(preemptingCq: string, reason: string, victimCq: string, victimPriorityClass: string): void {
    KueueCounters.inc(this.preempted, [["preempting_cluster_queue", preemptingCq], ["reason", reason]]);
    KueueCounters.inc(this.evicted, [["cluster_queue", victimCq], ["reason", "Preempted"], ["underlying_cause", ""], ["priority_class", victimPriorityClass]]);
  }

  render(): string {
    const out: string[] = [];
    const counter = (name: string, help: string, m: Map<string, number>) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      for (const [k, v] of m) out.push(`${name}{${fmt(JSON.parse(k))}} ${v}`);
    };
    counter("kueue_admitted_workloads_total", "The total number of admitted workloads per 'cluster_queue'", this.admitted);
    counter("kueue_preempted_workloads_total", "The number of preempted workloads per 'preempting_cluster_queue'", this.preempted);
    counter("kueue_evicted_workloads_total", "The number of evicted workloads per 'cluster_queue'", this.evicted);
    const name = "kueue_admission_wait_time_seconds";
    out.push(`# HELP ${name} The time between a workload was created or requeued until admission, per 'cluster_queue'`, `# TYPE ${name} histogram`);
    for (const [k, h] of this.wait) {
      const l = fmt(JSON.parse(k));
      BUCKETS.forEach((b, i) => out.push(`${name}_bucket{${l},le="${b}"} ${h.counts[i]}`));
      out.push(`${name}_bucket{${l},le="+Inf"} ${h.count}`, `${name}_sum{${l}} ${h.sum}`, `${name}_count{${l}} ${h.count}`);
    }
    return out.join("\n") + "\n";
  }
}
