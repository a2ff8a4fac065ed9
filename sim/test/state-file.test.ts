import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startSim } from "../index";
import { tinyTopology } from "./start-api-sim";

describe("state file", () => {
  it("keeps objects across a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sim-state-"));
    const stateFile = join(dir, "state.json");
    try {
      const first = await startSim({ topology: tinyTopology, parts: [], stateFile });
      const cm = first.store.create("configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "kept", namespace: "default" }, data: { a: "1" } });
      await first.stop();
      const second = await startSim({ topology: tinyTopology, parts: [], stateFile });
      const again = second.store.get("configmaps", "default", "kept");
      expect(again?.metadata.uid).toBe(cm.metadata.uid);
      expect(Number(second.store.currentResourceVersion())).toBeGreaterThanOrEqual(Number(cm.metadata.resourceVersion));
      await second.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
