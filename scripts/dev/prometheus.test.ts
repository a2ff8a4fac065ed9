import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { waitFor } from "@/lib/sessions/test-support/wait-for";
import { devPrometheusConfig, findPrometheus, startDevPrometheus } from "./prometheus";

describe("dev stack: Prometheus", () => {
  it("generates a config scraping the simulator (honor_labels, its CA) and AI Hub with a Bearer token file", () => {
    const yml = devPrometheusConfig({ targets: { sim: "https://127.0.0.1:6443", aihub: "http://127.0.0.1:3000" }, caFile: "/d/ca.pem", tokenFile: "/d/token" });
    expect(yml).toContain("honor_labels: true");
    expect(yml).toContain('tls_config: { ca_file: "/d/ca.pem" }');
    expect(yml).toContain('authorization: { type: Bearer, credentials_file: "/d/token" }');
    expect(yml).toContain('targets: ["127.0.0.1:3000"]');
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
});
