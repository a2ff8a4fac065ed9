/**
 * Kueue admission throughput of the cluster simulator (issue 4 point 10): 500 queued Jobs across 4
 * ClusterQueues in one cohort, created over HTTP with client-node; reports admissions per second
 * and create→admitted latency (p50/p99). Kueue's own scheduler performance test works out to about
 * 43 workloads/s end to end (reference §1.13). Two modes: "end-to-end" runs the simulator's job
 * controller and kubelet (pods start, run `sleep 1`, complete); "kueue-only" runs Kueue alone and
 * completes each admitted Job itself, as Kueue's own harness (minimalkueue in envtest) does.
 * Run: `npm run bench:sim-kueue`.
 */
import { BatchV1Api, CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSim } from "../sim/index";
import { jobWorkloadName } from "../sim/kueue/workload-name";
import { percentile } from "./stats";

export type KueueBenchMode = "end-to-end" | "kueue-only";

export interface KueueBenchResult {
  mode: KueueBenchMode;
  jobs: number;
  clusterQueues: number;
  wallSeconds: number;
  admissionsPerSecond: number;
  createToAdmittedP50Ms: number;
  createToAdmittedP99Ms: number;
}

export async function benchSimKueue(mode: KueueBenchMode = "end-to-end", jobs = 500, queues = 4, concurrency = 16): Promise<KueueBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), "bench-kueue-"));
  const sim = await startSim({ timeScale: 20, kubeconfigPath: join(dir, "kubeconfig"), parts: mode === "kueue-only" ? ["kueue"] : undefined });
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
        const owner = ev.object.metadata.ownerReferences?.[0]?.name;
        // Without the runtime nothing runs the Job: finish it at once, as Kueue's harness does.
        if (mode === "kueue-only" && owner) {
          setImmediate(() => sim.store.mutate("batch/jobs", "default", owner, (o) => {
            o.status = { ...(o.status ?? {}), succeeded: 1, conditions: [{ type: "Complete", status: "True", reason: "CompletionsReached", message: "Reached expected number of succeeded pods" }] };
          }, { subresource: "status" }));
        }
      }
    }, { raw: true });
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
      mode, jobs, clusterQueues: queues, wallSeconds: Number(wall.toFixed(2)), admissionsPerSecond: Number((jobs / wall).toFixed(1)),
      createToAdmittedP50Ms: Number(percentile(lat, 50).toFixed(1)), createToAdmittedP99Ms: Number(percentile(lat, 99).toFixed(1)),
    };
  } finally {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = [await benchSimKueue("kueue-only"), await benchSimKueue("end-to-end")];
  console.table(rows);
  process.exit(0);
}
