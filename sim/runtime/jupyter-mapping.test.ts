import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { condition, pod, startTestSim, waitFor } from "./test-sim";
import { defaultTopologyPath } from "../topology/load";

// The default topology maps JupyterLab images to the Debian jupyter-notebook server (installed by .ci/run).
describe.skipIf(!existsSync("/usr/bin/jupyter-notebook"))("default topology: JupyterLab image as the portal builds it", () => {
  it("runs jupyter-notebook on the pod IP under the session prefix, with the session token", async () => {
    const sim = await startTestSim(defaultTopologyPath, 10);
    try {
      const prefix = "/user/alice/thesis/";
      sim.store.create("pods", pod("nb", {
        containers: [{
          name: "notebook", image: "quay.io/jupyter/scipy-notebook:2025-03-17", command: ["jupyter", "lab"],
          args: [`--ServerApp.base_url=${prefix}`, "--ServerApp.ip=0.0.0.0", "--ServerApp.port=8888"],
          workingDir: "/home/nobody-here", ports: [{ name: "http", containerPort: 8888 }],
          env: [{ name: "JUPYTERHUB_SERVICE_PREFIX", value: prefix }, { name: "JUPYTERHUB_API_TOKEN", value: "tok" }, { name: "HOME", value: "/home/nobody-here" }],
          readinessProbe: { httpGet: { path: `${prefix}api`, port: 8888 }, periodSeconds: 2, timeoutSeconds: 5 },
        }],
      }));
      const p = await waitFor(sim.store, () => condition(sim.store.get("pods", "default", "nb"), "Ready")?.status === "True" && sim.store.get("pods", "default", "nb"), "notebook ready", 30_000);
      const url = `http://${p.status.podIP}:8888${prefix}api/status`;
      expect((await fetch(url)).status).toBe(403);
      const ok = await fetch(url, { headers: { authorization: "token tok" } });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toHaveProperty("started");
    } finally {
      await sim.stop();
    }
  }, 60_000);
});
