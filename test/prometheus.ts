/**
 * The real Prometheus (Debian package, /usr/bin/prometheus) for integration tests: a generated
 * configuration in a temporary directory, its own TSDB, a free loopback port, 1 s scrapes. The
 * simulator serves its metrics over HTTPS with its own CA, as a cluster's exporters behind TLS would.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface TestPrometheus {
  url: string;
  /** Stops the process (the URL then refuses connections); idempotent. */
  stop(): Promise<void>;
}

export async function startTestPrometheus(sim: { url: string; caCert: string }, opts: { binary?: string } = {}): Promise<TestPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), "ai-hub-prom-"));
  writeFileSync(join(dir, "ca.pem"), sim.caCert);
  writeFileSync(join(dir, "prometheus.yml"), [
    "global: { scrape_interval: 1s, evaluation_interval: 1s }",
    "scrape_configs:",
    "  - job_name: sim",
    "    honor_labels: true",
    "    metrics_path: /metrics",
    `    scheme: ${new URL(sim.url).protocol.replace(":", "")}`,
    `    tls_config: { ca_file: ${join(dir, "ca.pem")} }`,
    `    static_configs: [{ targets: ["${new URL(sim.url).host}"] }]`,
  ].join("\n"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc: ChildProcess = spawn(opts.binary ?? "/usr/bin/prometheus", [
    `--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`,
  ], { stdio: "ignore" });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`prometheus exited with ${proc.exitCode}`);
    const ok = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error("prometheus not ready within 30 s");
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once("exit", r));
        proc.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
