/**
 * Kueue admission throughput of the cluster simulator (issue 4 point 10): 500 queued Jobs across 4
 * ClusterQueues in one cohort, created over HTTP with client-node; reports admissions per second
 * and create→admitted latency (p50/p99). Kueue's own scheduler performance test works out to about
 * 43 workloads/s end to end (reference §1.13). Run: `npx tsx bench/sim-kueue.ts`.
 */
import { BatchV1Api, CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSim } from "../sim/index";
import { jobWorkloadName } from "../sim/kueue/workload-name";

export interface KueueBenchResult {
  jobs: number;
  clusterQueues: number;
  wallSeconds: number;
  admissionsPerSecond: number;
  createToAdmittedP50Ms: number;
  createToAdmittedP99Ms: number;
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

export async function benchSimKueue(jobs = 500, queues = 4, concurrency = 16): Promise<KueueBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), "bench-kueue-"));
  const sim = await startSim({ timeScale: 20, kubeconfigPath: join(dir, "kubeconfig") });
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(join(dir, "kubeconfig"));
    const custom = kc.makeApiClient(CustomObjectsApi);
    const batch = kc.makeApiClient(BatchV1Api);
    const K = { group: "kueue.x-k8s.io", version: "v1beta1" };
    await custom.createClusterCustomObject({ ...K, plural: "resourceflavors", body: { apiVersion: "kueue.x-k8s.io/v1beta1", kind: "ResourceFlavor", metadata: { name: "default-flavor" }, spec: {} } });
    for (let q = 0; q < queues; q++) {
      // Quota for a quarter of each queue's jobs at a time: the rest queue and are admitted as jobs finish.
      await custom.createClusterCustomObject({
        ...K, plural: "clusterqueues",
        body: {
          apiVersion: "kueue.x-k8s.io/v1beta1", kind: "ClusterQueue", metadata: { name: `cq-${q}` },
          spec: { cohort: "bench", namespaceSelector: {}, resourceGroups: [{ coveredResources: ["cpu"], flavors: [{ name: "default-flavor", resources: [{ name: "cpu", nominalQuota: String(Math.ceil(jobs / queues / 4)) }] }] }] },
        },
      });
      await custom.createNamespacedCustomObject({ ...K, namespace: "default", plural: "localqueues", body: { apiVersion: "kueue.x-k8s.io/v1beta1", kind: "LocalQueue", metadata: { name: `lq-${q}`, namespace: "default" }, spec: { clusterQueue: `cq-${q}` } } });
    }
    const created = new Map<string, number>();
    const admittedAt = new Map<string, number>();
    let resolveAll: () => void = () => {};
    const allAdmitted = new Promise<void>((r) => (resolveAll = r));
    const unwatch = sim.store.watch("kueue.x-k8s.io/workloads", (ev) => {
      const name = ev.object.metadata.name!;
      if (admittedAt.has(name)) return;
      if ((ev.object.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === "Admitted" && c.status === "True")) {
        admittedAt.set(name, performance.now());
        if (admittedAt.size === jobs) resolveAll();
      }
    });
    const start = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < jobs) {
        const i = next++;
        const t0 = performance.now();
        const job = await batch.createNamespacedJob({
          namespace: "default",
          body: {
            metadata: { name: `bench-${i}`, labels: { "kueue.x-k8s.io/queue-name": `lq-${i % queues}` } },
            spec: { backoffLimit: 0, template: { spec: { restartPolicy: "Never", terminationGracePeriodSeconds: 0, containers: [{ name: "main", image: "busybox", command: ["sh", "-c", "sleep 1"], resources: { requests: { cpu: "1" } } }] } } },
          },
        });
        created.set(jobWorkloadName(`bench-${i}`, job.metadata!.uid!), t0);
      }
    }));
    await allAdmitted;
    const wall = (performance.now() - start) / 1000;
    unwatch();
    const lat = [...admittedAt].map(([n, t]) => t - (created.get(n) ?? t));
    return {
      jobs, clusterQueues: queues, wallSeconds: Number(wall.toFixed(2)), admissionsPerSecond: Number((jobs / wall).toFixed(1)),
      createToAdmittedP50Ms: Number(percentile(lat, 50).toFixed(1)), createToAdmittedP99Ms: Number(percentile(lat, 99).toFixed(1)),
    };
  } finally {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchSimKueue();
  console.table([r]);
  process.exit(0);
}
