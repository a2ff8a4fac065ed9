import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

describe("npm run sim", { timeout: 90_000 }, () => {
  it("prints one ready line, writes the kubeconfig and stops on SIGTERM", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sim-main-"));
    const kubeconfig = join(dir, "kc.yaml");
    const child = spawn(process.execPath, ["--import", "tsx", "sim/main.ts", "--port", "0", "--kubeconfig", kubeconfig], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          if (out.includes("\n")) resolve();
        });
        child.on("exit", (code) => reject(new Error(`exited early with ${code}: ${err}`)));
      });
      expect(out).toMatch(/^sim ready https:\/\/127\.0\.0\.1:\d+\n$/);
      expect(existsSync(kubeconfig)).toBe(true);
      expect(readFileSync(kubeconfig, "utf8")).toMatch(/current-context: ai-hub-sim/);
      child.kill("SIGTERM");
      const code = await exited;
      expect(code, `exit code after SIGTERM; stderr: ${err}`).toBe(0);
    } finally {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a bad topology and lists its errors", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sim-main-"));
    const topo = join(dir, "bad.yaml");
    (await import("node:fs")).writeFileSync(topo, "nodes:\n  - name: Bad_Name\n    cpu: lots\n");
    const child = spawn(process.execPath, ["--import", "tsx", "sim/main.ts", "--port", "0", "--topology", topo], { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    rmSync(dir, { recursive: true, force: true });
    expect(code).not.toBe(0);
    expect(err).toMatch(/nodes\[0\]/);
  });
});
