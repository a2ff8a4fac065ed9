import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIG, startTestCluster, waitFor, type TestCluster } from "../kueue/test-cluster";

/** The real Prometheus (Debian package) scrapes the simulator and sees what the pods do. */
let c: TestCluster;
let prom: ChildProcess | undefined;
let promUrl = "";
let dir = "";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

interface PromVector { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } }
async function query(q: string): Promise<PromVector["data"]["result"]> {
  const r = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body = (await r.json()) as PromVector;
  if (body.status !== "success") throw new Error(JSON.stringify(body));
  return body.data.result;
}

beforeAll(async () => {
  c = await startTestCluster();
  dir = mkdtempSync(join(tmpdir(), "sim-prom-"));
  const target = new URL(c.sim.url).host;
  // The simulator serves HTTPS with its own CA, as a cluster's exporters behind TLS would.
  writeFileSync(join(dir, "ca.pem"), c.sim.caCert);
  writeFileSync(join(dir, "prometheus.yml"), [
    "global: { scrape_interval: 1s, evaluation_interval: 1s }",
    "scrape_configs:",
    "  - job_name: sim",
    "    honor_labels: true",
    "    metrics_path: /metrics",
    `    scheme: ${new URL(c.sim.url).protocol.replace(":", "")}`,
    `    tls_config: { ca_file: ${join(dir, "ca.pem")} }`,
    `    static_configs: [{ targets: ["${target}"] }]`,
  ].join("\n"));
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  prom = spawn("/usr/bin/prometheus", [
    `--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`,
  ], { stdio: "ignore" });
  await waitFor(async () => (await fetch(`${promUrl}/-/ready`)).ok, "prometheus ready", 30_000);
});

afterAll(async () => {
  if (prom && prom.exitCode === null) {
    const exited = new Promise((r) => prom!.once("exit", r));
    prom.kill("SIGTERM");
    await exited;
  }
  await c?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("Prometheus scraping the simulator", () => {
  it("sees a busy job's MIG slice active and an idle session's slice at rest", async () => {
    await c.batch.createNamespacedJob({
      namespace: "default",
      body: {
        metadata: { name: "train" },
        spec: { backoffLimit: 0, template: { spec: { restartPolicy: "Never", containers: [{ name: "main", image: "busybox", command: ["sh", "-c", "busy 3600"], resources: { limits: { [MIG]: "1" } } }] } } },
      },
    });
    await c.core.createNamespacedPod({
      namespace: "default",
      body: { metadata: { name: "idle-session" }, spec: { containers: [{ name: "notebook", image: "quay.io/example/session:1", resources: { limits: { [MIG]: "1" } } }] } },
    });
    const busy = await waitFor(async () => {
      const r = await query('DCGM_FI_PROF_GR_ENGINE_ACTIVE{pod=~"train-.*"}');
      return r.length === 1 && Number(r[0]!.value[1]) > 0.8 && r[0]!;
    }, "busy slice in Prometheus", 30_000);
    expect(busy.metric).toMatchObject({ GPU_I_PROFILE: "1g.10gb", Hostname: "gpu-mig", namespace: "default", container: "main" });
    const idle = await waitFor(async () => {
      const r = await query('DCGM_FI_PROF_GR_ENGINE_ACTIVE{pod="idle-session"}');
      return r.length === 1 && r[0]!;
    }, "idle slice in Prometheus", 30_000);
    expect(Number(idle.value[1])).toBeLessThan(0.05);
    const held = await query('DCGM_FI_DEV_FB_USED{pod="idle-session"}');
    expect(Number(held[0]!.value[1])).toBeGreaterThan(0);
    const requests = await query('kube_pod_container_resource_requests{pod="idle-session",resource="nvidia_com_mig_1g_10gb"}');
    expect(requests[0]?.metric).toMatchObject({ unit: "integer", node: "gpu-mig" });
    expect(await query('sum(kube_node_status_allocatable{resource="nvidia_com_mig_1g_10gb"})')).toMatchObject([{ value: [expect.any(Number), "7"] }]);
  });

  it("reports the scrape target healthy", async () => {
    const r = await fetch(`${promUrl}/api/v1/targets`);
    const body = (await r.json()) as { data: { activeTargets: { health: string; lastError: string; labels: Record<string, string> }[] } };
    const t = body.data.activeTargets.find((x) => x.labels.job === "sim");
    expect(t).toMatchObject({ health: "up", lastError: "" });
    expect(await query('up{job="sim"}')).toMatchObject([{ value: [expect.any(Number), "1"] }]);
  });
});
