import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { waitFor } from "@/lib/sessions/test-support/wait-for";
import { createMetricsServer, ProxyMetrics } from "@/proxy/metrics";
import { devPrometheusConfig, findPrometheus, startDevPrometheus } from "./prometheus";

describe("dev stack: Prometheus", () => {
  it("generates a config scraping the simulator (honor_labels, its CA) and AI Hub with a Bearer token file", () => {
    const yml = devPrometheusConfig({ targets: { sim: "https://127.0.0.1:6443", aihub: "http://127.0.0.1:3000" }, caFile: "/d/ca.pem", tokenFile: "/d/token" });
    expect(yml).toContain("honor_labels: true");
    expect(yml).toContain('tls_config: { ca_file: "/d/ca.pem" }');
    expect(yml).toContain('authorization: { type: Bearer, credentials_file: "/d/token" }');
    expect(yml).toContain('targets: ["127.0.0.1:3000"]');
  });

  it("scrapes the proxy's metrics listener as its own job, with the same token", () => {
    const yml = devPrometheusConfig({ targets: { aihub: "http://127.0.0.1:3000", proxy: "http://127.0.0.1:9101" }, tokenFile: "/d/token" });
    const proxyJob = yml.slice(yml.indexOf("job_name: aihub-proxy"));
    expect(proxyJob).toContain('targets: ["127.0.0.1:9101"]');
    expect(proxyJob).toContain('authorization: { type: Bearer, credentials_file: "/d/token" }');
    expect(yml.match(/job_name:/g)).toHaveLength(2);
    expect(devPrometheusConfig({ targets: { aihub: "http://127.0.0.1:3000" } })).not.toContain("aihub-proxy");
  });

  it("returns null with an install hint when prometheus is not on the PATH", async () => {
    const saved = process.env.PATH;
    const lines: string[] = [];
    process.env.PATH = "/nonexistent";
    try {
      expect(await startDevPrometheus({ dataDir: "/tmp/unused", targets: {}, onLog: (l) => lines.push(l) })).toBeNull();
    } finally {
      process.env.PATH = saved;
    }
    expect(lines.join("\n")).toMatch(/apt-get install prometheus/);
  });

  it.skipIf(!findPrometheus())("starts the real binary with the generated config and stops it", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ai-hub-devprom-"));
    try {
      const p = await startDevPrometheus({ dataDir: dir, targets: { aihub: "http://127.0.0.1:9" }, token: "t".repeat(20), onLog: () => undefined });
      expect(p).not.toBeNull();
      // Targets are discovered shortly after readiness.
      const jobs = await waitFor("the aihub target", async () => {
        const body = (await (await fetch(`${p!.url}/api/v1/targets`)).json()) as { data: { activeTargets: Array<{ labels: { job: string } }> } };
        return body.data.activeTargets.length > 0 && body.data.activeTargets.map((t) => t.labels.job);
      });
      expect(jobs).toEqual(["aihub"]);
      await p!.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!findPrometheus())("scrapes the proxy's metrics listener with the token (target up, its series stored)", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ai-hub-devprom-"));
    const token = "proxy-scrape-token-0123456789";
    const server = createMetricsServer({ metrics: new ProxyMetrics(), token });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    try {
      const p = await startDevPrometheus({ dataDir: dir, targets: { proxy: `http://127.0.0.1:${port}` }, token, onLog: () => undefined });
      expect(p).not.toBeNull();
      try {
        const query = async (q: string) => {
          const body = (await (await fetch(`${p!.url}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as { data: { result: Array<{ value: [number, string] }> } };
          return body.data.result[0]?.value[1];
        };
        // up == 1 only when the scrape, token included, succeeded.
        expect(await waitFor("the proxy target to be scraped", () => query('up{job="aihub-proxy"}'), 40_000, 500)).toBe("1");
        expect(await query('aihub_proxy_websocket_connections{job="aihub-proxy"}')).toBe("0");
      } finally {
        await p!.stop();
      }
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
