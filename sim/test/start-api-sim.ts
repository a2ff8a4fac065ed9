import { vi } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSim, type RunningSim } from "../index";
import type { Topology } from "../topology/types";

// Generous limits for every test file using this helper: the suite must pass on a loaded 2-core
// machine, and tests wait on conditions (never fixed sleeps), so a long limit costs nothing when green.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

/** Two small nodes, enough for API tests that do not exercise the scheduler. */
export const tinyTopology: Topology = {
  nodes: [
    { name: "node-a", labels: {}, taints: [], cpu: "8", memory: "32Gi", gpus: [], migStrategy: "none" },
    { name: "node-b", labels: {}, taints: [], cpu: "8", memory: "32Gi", gpus: [], migStrategy: "none" },
  ],
  images: [],
  defaultPullMs: 0,
};

export interface TestSim extends RunningSim {
  kubeconfigPath: string;
  dir: string;
  close(): Promise<void>;
}

/**
 * A simulator for tests on a free loopback port with a kubeconfig in a temporary directory. With
 * `parts: []` (the default here) only the API server runs, so nothing but the test changes objects.
 */
export async function startTestSim(opts: { parts?: ("runtime" | "kueue")[]; timeScale?: number } = {}): Promise<TestSim> {
  const dir = mkdtempSync(join(tmpdir(), "sim-test-"));
  const kubeconfigPath = join(dir, "kubeconfig.yaml");
  const sim = await startSim({ topology: tinyTopology, port: 0, kubeconfigPath, parts: opts.parts ?? [], timeScale: opts.timeScale });
  return {
    ...sim,
    kubeconfigPath,
    dir,
    close: async () => {
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
