/**
 * Prometheus for `npm run dev`: a generated configuration scraping the simulator (DCGM exporter,
 * kube-state-metrics, Kueue on its /metrics), AI Hub's own /metrics and the proxy's (its separate
 * metrics listener, PROXY_METRICS_PORT; same token), data under `dataDir`.
 * Returns null, after printing how to install it, when no `prometheus` binary is on the PATH: the
 * monitoring pages then say "metrics unavailable: PROMETHEUS_URL is not set" and all else works.
 *
 * Wiring (scripts/dev.ts): after the sim and web have ports,
 *   const prom = await startDevPrometheus({ dataDir: path.join(dataDir, "prometheus"), targets: { sim: simUrl, aihub: webUrl, proxy: proxyMetricsUrl }, token: METRICS_TOKEN, simCaCert });
 *   if (prom) stackEnv.PROMETHEUS_URL = prom.url;   // before web and controller start
 */
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { parse } from "yaml";

export interface DevPrometheusOptions {
  dataDir: string;
  /** Base URLs: the simulator, the web app, the proxy's metrics listener (http://127.0.0.1:<PROXY_METRICS_PORT>). */
  targets: { sim?: string; aihub?: string; proxy?: string };
  /** METRICS_TOKEN of the web process (and the proxy), sent as Bearer when scraping AI Hub. */
  token?: string;
  /** PEM of the CA that signed the simulator's HTTPS certificate; without it TLS is not verified (dev only). */
  simCaCert?: string;
  /** Port to listen on (127.0.0.1); default a free one. */
  port?: number;
  onLog?: (line: string) => void;
}

export function findPrometheus(envPath: string = process.env.PATH ?? ""): string | null {
  for (const dir of envPath.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, "prometheus");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return null;
}

/** The CA of the current cluster in a kubeconfig written by `npm run sim` (certificate-authority-data). */
export function caFromKubeconfig(file: string): string | undefined {
  const kc = parse(readFileSync(file, "utf8")) as { clusters?: Array<{ cluster?: Record<string, string> }> };
  const data = kc.clusters?.[0]?.cluster?.["certificate-authority-data"];
  return data ? Buffer.from(data, "base64").toString("utf8") : undefined;
}

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

/** The prometheus.yml for the given targets (exported for tests and for operators to copy). */
export function devPrometheusConfig(o: { targets: DevPrometheusOptions["targets"]; token?: string; caFile?: string; tokenFile?: string }): string {
  const lines = ["global: { scrape_interval: 5s, evaluation_interval: 5s }", "scrape_configs:"];
  if (o.targets.sim) {
    const u = new URL(o.targets.sim);
    lines.push(
      "  - job_name: sim",
      // The DCGM series carry namespace/pod of the GPU's holder: keep them (reference §4.2).
      "    honor_labels: true",
      "    metrics_path: /metrics",
      `    scheme: ${u.protocol.replace(":", "")}`,
      ...(u.protocol === "https:" ? [o.caFile ? `    tls_config: { ca_file: ${JSON.stringify(o.caFile)} }` : "    tls_config: { insecure_skip_verify: true }"] : []),
      `    static_configs: [{ targets: [${JSON.stringify(u.host)}] }]`,
    );
  }
  // AI Hub's web app and its proxy: the same token, each its own job (the proxy is its own process).
  for (const [job, target] of [["aihub", o.targets.aihub], ["aihub-proxy", o.targets.proxy]] as const) {
    if (!target) continue;
    const u = new URL(target);
    lines.push(
      `  - job_name: ${job}`,
      "    metrics_path: /metrics",
      `    scheme: ${u.protocol.replace(":", "")}`,
      ...(o.tokenFile ? [`    authorization: { type: Bearer, credentials_file: ${JSON.stringify(o.tokenFile)} }`] : []),
      `    static_configs: [{ targets: [${JSON.stringify(u.host)}] }]`,
    );
  }
  return lines.join("\n") + "\n";
}

export async function startDevPrometheus(opts: DevPrometheusOptions): Promise<{ url: string; stop: () => Promise<void> } | null> {
  const log = opts.onLog ?? ((l: string) => process.stdout.write(`[prometheus] ${l}\n`));
  const binary = findPrometheus();
  if (!binary) {
    log("prometheus is not on the PATH, so the monitoring pages will say \"metrics unavailable\". Install it with `sudo apt-get install prometheus` (Debian/Ubuntu) or from https://prometheus.io/download/, then restart npm run dev.");
    return null;
  }
  mkdirSync(path.join(opts.dataDir, "data"), { recursive: true });
  const caFile = opts.simCaCert ? path.join(opts.dataDir, "sim-ca.pem") : undefined;
  if (caFile) writeFileSync(caFile, opts.simCaCert!);
  const tokenFile = opts.token ? path.join(opts.dataDir, "aihub-token") : undefined;
  if (tokenFile) writeFileSync(tokenFile, opts.token!, { mode: 0o600 });
  const configFile = path.join(opts.dataDir, "prometheus.yml");
  writeFileSync(configFile, devPrometheusConfig({ targets: opts.targets, ...(caFile ? { caFile } : {}), ...(tokenFile ? { tokenFile } : {}) }));
  const port = opts.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(binary, [
    `--config.file=${configFile}`, `--storage.tsdb.path=${path.join(opts.dataDir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--storage.tsdb.retention.time=15d",
  ], { stdio: ["ignore", "ignore", "pipe"] });
  child.stderr?.on("data", (b: Buffer) => {
    for (const line of b.toString().split("\n")) if (/level=(error|warn)/.test(line)) log(line);
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with code ${child.exitCode}; see ${configFile}`);
    if (await fetch(`${url}/-/ready`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) {
      child.kill("SIGTERM");
      throw new Error("prometheus did not become ready within 30 s");
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
