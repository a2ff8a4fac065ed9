import { spawnSync } from "node:child_process";
import { request } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIG, startTestCluster, waitFor, type TestCluster } from "../kueue/test-cluster";
import { UTILIZATION_ANNOTATION } from "./index";

/** The metrics endpoints over the simulator's HTTPS port, as a scraper sees them (no token). */
let c: TestCluster;
const get = (path: string): Promise<{ status: number; type: string; text: string }> => new Promise((resolve, reject) => {
  request(`${c.sim.url}${path}`, { ca: c.sim.caCert }, (res) => {
    let text = "";
    res.setEncoding("utf8");
    res.on("data", (d: string) => (text += d));
    res.on("end", () => resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"]), text }));
  }).on("error", reject).end();
});
const series = (text: string, name: string, match: string) => text.split("\n").filter((l) => l.startsWith(`${name}{`) && l.includes(match));

beforeAll(async () => {
  c = await startTestCluster();
});
afterAll(async () => c?.stop());

describe("metrics endpoints", () => {
  it("pins a pod's activity with the utilisation annotation and maps the slice to the pod", async () => {
    await c.core.createNamespacedPod({
      namespace: "default",
      body: { metadata: { name: "pinned", annotations: { [UTILIZATION_ANNOTATION]: "0.42" } }, spec: { containers: [{ name: "c", image: "busybox", resources: { limits: { [MIG]: "1" } } }] } },
    });
    const line = await waitFor(async () => series((await get("/dcgm/metrics")).text, "DCGM_FI_PROF_GR_ENGINE_ACTIVE", 'pod="pinned"')[0], "pinned series");
    expect(line).toMatch(/GPU_I_PROFILE="1g\.10gb",GPU_I_ID="\d+",Hostname="gpu-mig",DCGM_FI_DRIVER_VERSION="[\d.]+",container="c",namespace="default",pod="pinned"\} 0\.42$/);
  });

  it("serves every MIG instance of the topology, no GPU_UTIL for MIG, nothing for the virtual node", async () => {
    const r = await get("/dcgm/metrics");
    expect(r.status).toBe(200);
    expect(r.type).toContain("text/plain");
    expect(series(r.text, "DCGM_FI_DEV_FB_FREE", 'GPU_I_PROFILE="1g.10gb"')).toHaveLength(7);
    expect(series(r.text, "DCGM_FI_DEV_GPU_UTIL", "")).toHaveLength(0);
    expect(r.text).not.toContain('Hostname="vk-remote"');
  });

  it("serves kube-state-metrics and Kueue's metrics, and all of them on /metrics", async () => {
    const ksm = (await get("/kube-state-metrics/metrics")).text;
    expect(ksm).toContain('kube_node_status_allocatable{node="gpu-mig",resource="nvidia_com_mig_1g_10gb",unit="integer"} 7');
    expect(series(ksm, "kube_pod_container_resource_requests", 'pod="pinned"')[0]).toMatch(/container="c",node="gpu-mig",resource="nvidia_com_mig_1g_10gb",unit="integer"\} 1$/);
    const kueue = (await get("/kueue/metrics")).text;
    expect(kueue).toContain("# TYPE kueue_pending_workloads gauge");
    const all = (await get("/metrics")).text;
    for (const name of ["DCGM_FI_PROF_GR_ENGINE_ACTIVE", "kube_pod_container_resource_requests", "kueue_pending_workloads"]) expect(all).toContain(`# TYPE ${name} gauge`);
  });

  it("passes promtool's parser and linter, except the camelCase labels the real DCGM exporter has too", async () => {
    const text = (await get("/metrics")).text;
    const r = spawnSync("/usr/bin/promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    const problems = `${r.stdout}${r.stderr}`.split("\n").filter((l) => l.trim() && !/^DCGM_FI_\w+ label names should be written in 'snake_case' not 'camelCase'$/.test(l));
    expect(problems).toEqual([]);
  });
});
