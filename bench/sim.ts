/**
 * `npm run bench:sim`: the simulator with the default topology as its own process; 1,000 pods and
 * 200 jobs created through client-node with several watches open. Reports pod create latency,
 * create→Running latency (p50/p99), API requests/s and the simulator's peak RSS (target < 300 MB).
 * Then the Kueue scenario of bench/sim-kueue.ts (500 queued Jobs across 4 ClusterQueues, end to
 * end): admissions/s (Kueue's own test: ~43/s) and create→admitted p50/p99. The last line sums up.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BatchV1Api, CoreV1Api, KubeConfig, Watch, type V1Pod } from "@kubernetes/client-node";
import { benchSimKueue } from "./sim-kueue";
import { percentile as pct } from "./stats";

const PODS = Number(process.env.BENCH_PODS ?? 1000);
const JOBS = Number(process.env.BENCH_JOBS ?? 200);
const CONCURRENCY = 20;
const ns = "default";


async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (i < items.length) await fn(items[i++]!);
  }));
}

function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

interface PodBenchResult { requestsPerSecond: number; runningP50Ms: number; runningP99Ms: number; reachedRunning: number; peakRssMb: number }

async function benchPods(): Promise<PodBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), "bench-sim-"));
  const kubeconfig = join(dir, "kubeconfig.yaml");
  // The same heap limits as `npm run sim`: without them V8 lets garbage pile up far past the live set.
  const flags = (process.env.BENCH_SIM_NODE_FLAGS ?? "--max-semi-space-size=4 --max-old-space-size=256").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...flags, "--import", "tsx", "sim/main.ts", "--port", "0", "--kubeconfig", kubeconfig], { stdio: ["ignore", "pipe", "inherit"] });
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => d.toString().includes("sim ready") && resolve());
    child.on("exit", (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  const startupMs = Date.now() - started;
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const batch = kc.makeApiClient(BatchV1Api);

  const createdAt = new Map<string, number>();
  const runningAfter: number[] = [];
  const seenRunning = new Set<string>();
  const watch = new Watch(kc);
  let events = 0;
  const watches = await Promise.all([
    watch.watch(`/api/v1/namespaces/${ns}/pods`, {}, (_t, pod: V1Pod) => {
      events++;
      const name = pod.metadata?.name ?? "";
      const t0 = createdAt.get(name);
      if (pod.status?.phase === "Running" && t0 !== undefined && !seenRunning.has(name)) {
        seenRunning.add(name);
        runningAfter.push(Date.now() - t0);
      }
    }, () => {}),
    watch.watch(`/api/v1/pods`, { labelSelector: "bench=pod" }, () => events++, () => {}),
    watch.watch(`/apis/batch/v1/namespaces/${ns}/jobs`, {}, () => events++, () => {}),
    watch.watch(`/api/v1/nodes`, {}, () => events++, () => {}),
  ]);

  let requests = 0;
  const createLatency: number[] = [];
  const t0 = Date.now();
  await pool(Array.from({ length: PODS }, (_, i) => i), CONCURRENCY, async (i) => {
    const name = `bench-${i}`;
    const start = Date.now();
    createdAt.set(name, start);
    await core.createNamespacedPod({
      namespace: ns,
      body: { metadata: { name, labels: { bench: "pod" } }, spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox:1.36", command: ["sh", "-c", "sleep 5"] }] } },
    });
    requests++;
    createLatency.push(Date.now() - start);
  });
  await pool(Array.from({ length: JOBS }, (_, i) => i), CONCURRENCY, async (i) => {
    await batch.createNamespacedJob({
      namespace: ns,
      body: { metadata: { name: `bench-job-${i}` }, spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox:1.36", command: ["sh", "-c", "sleep 1"] }] } } } },
    });
    requests++;
  });
  // Reads under load, as controllers and the portal do.
  await pool(Array.from({ length: 200 }, (_, i) => i), CONCURRENCY, async (i) => {
    if (i % 2) await core.listNamespacedPod({ namespace: ns, labelSelector: "bench=pod", limit: 100 });
    else await core.readNamespacedPod({ name: `bench-${i}`, namespace: ns });
    requests++;
  });
  const writeSeconds = (Date.now() - t0) / 1000;
  // Give pods up to 60 s to reach Running (they need the runtime part).
  for (let i = 0; i < 600 && seenRunning.size < PODS; i++) await new Promise((r) => setTimeout(r, 100));

  const rss = peakRssMb(child.pid!);
  console.log(`simulator startup: ${startupMs} ms`);
  console.log(`created ${PODS} pods and ${JOBS} jobs, ${requests} API requests in ${writeSeconds.toFixed(1)} s: ${(requests / writeSeconds).toFixed(0)} requests/s (concurrency ${CONCURRENCY}, ${watches.length} watches, ${events} watch events)`);
  console.log(`pod create latency: p50 ${pct(createLatency, 50)} ms, p99 ${pct(createLatency, 99)} ms`);
  console.log(`pod create→Running: ${runningAfter.length}/${PODS} reached Running; p50 ${pct(runningAfter, 50)} ms, p99 ${pct(runningAfter, 99)} ms`);
  console.log(`simulator peak RSS: ${rss.toFixed(0)} MB (target < 300 MB)${rss < 300 ? "" : "  ** over target **"}`);
  for (const w of watches) w.abort();
  child.kill("SIGTERM");
  await new Promise((r) => child.on("exit", r));
  rmSync(dir, { recursive: true, force: true });
  return { requestsPerSecond: requests / writeSeconds, runningP50Ms: pct(runningAfter, 50), runningP99Ms: pct(runningAfter, 99), reachedRunning: runningAfter.length, peakRssMb: rss };
}

async function main(): Promise<void> {
  const pods = await benchPods();
  console.log("\nKueue: 500 queued Jobs across 4 ClusterQueues (one cohort), end to end (job controller and kubelet run them)");
  const k = await benchSimKueue("end-to-end", 500, 4);
  console.log(`admitted ${k.jobs} workloads in ${k.wallSeconds} s: ${k.admissionsPerSecond} admissions/s (Kueue's own test: ~43/s); create→admitted p50 ${k.createToAdmittedP50Ms} ms, p99 ${k.createToAdmittedP99Ms} ms`);
  console.log(
    `summary: pods create→Running p50 ${pods.runningP50Ms} ms p99 ${pods.runningP99Ms} ms (${pods.reachedRunning}/${PODS}), ${pods.requestsPerSecond.toFixed(0)} requests/s, peak RSS ${pods.peakRssMb.toFixed(0)} MB${pods.peakRssMb < 300 ? "" : " (over 300)"}; ` +
      `Kueue ${k.admissionsPerSecond} admissions/s${k.admissionsPerSecond >= 43 ? "" : " (under 43)"}, create→admitted p50 ${k.createToAdmittedP50Ms} ms p99 ${k.createToAdmittedP99Ms} ms`,
  );
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
