import { vi } from "vitest";
import { execFile } from "node:child_process";
import { request } from "node:https";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { BatchV1Api, CoreV1Api, CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { startSim, type RunningSim } from "../index";

// Generous limits for every test file using this helper: the suite must pass on a loaded 2-core
// machine, and tests wait on conditions (never fixed sleeps), so a long limit costs nothing when green.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

/**
 * A started simulator for Kueue/DCGM tests, reached only over HTTP (client-node and the real
 * kubectl), with a small topology: one A100 80GB cut into 7 × 1g.10gb, a CPU node and an
 * interLink virtual node.
 */
export const MIG = "nvidia.com/mig-1g.10gb";
export const KUEUE = { group: "kueue.x-k8s.io", version: "v1beta1" } as const;

export const testTopology = `
defaultPullMs: 100
images: []
nodes:
  - name: gpu-mig
    cpu: "64"
    memory: 256Gi
    labels: { accelerator: a100-mig }
    migStrategy: mixed
    gpus:
      - { model: NVIDIA-A100-80GB-PCIe, count: 1, mig: [all-1g.10gb] }
  - name: cpu-1
    cpu: "32"
    memory: 64Gi
    labels: { accelerator: none }
  - name: vk-remote
    cpu: "256"
    memory: 1Ti
    virtual: { startLatencyMs: 500 }
    gpus:
      - { model: NVIDIA-A100-SXM-64GB, count: 4 }
`;

export interface TestCluster {
  sim: RunningSim;
  kc: KubeConfig;
  kubeconfig: string;
  custom: CustomObjectsApi;
  batch: BatchV1Api;
  core: CoreV1Api;
  kubectl(...args: string[]): Promise<string>;
  /** `kubectl apply -f` of an object (written as JSON, which is YAML). */
  kubectlApply(obj: Obj): Promise<string>;
  stop(): Promise<void>;
}

const exec = promisify(execFile);

export async function startTestCluster(timeScale = 20): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), "sim-kueue-"));
  const topo = join(dir, "topology.yaml");
  writeFileSync(topo, testTopology);
  const kubeconfig = join(dir, "kubeconfig");
  const sim = await startSim({ topology: topo, timeScale, kubeconfigPath: kubeconfig });
  let applied = 0;
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return {
    sim, kubeconfig, kc,
    custom: kc.makeApiClient(CustomObjectsApi),
    batch: kc.makeApiClient(BatchV1Api),
    core: kc.makeApiClient(CoreV1Api),
    kubectl: async (...args) => (await exec("/usr/bin/kubectl", ["--kubeconfig", kubeconfig, ...args], { timeout: 60_000 })).stdout,
    kubectlApply: async (obj) => {
      const file = join(dir, `apply-${applied++}.json`);
      writeFileSync(file, JSON.stringify(obj));
      return (await exec("/usr/bin/kubectl", ["--kubeconfig", kubeconfig, "apply", "-f", file], { timeout: 60_000 })).stdout;
    },
    stop: async () => {
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A raw HTTPS request to the simulator, trusting its self-signed CA (for paths client-node has no method for). */
export function simRequest(c: TestCluster, path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: Obj }> {
  return new Promise((resolve, reject) => {
    const req = request(`${c.sim.url}${path}`, {
      method: init.method ?? "GET", ca: c.sim.caCert,
      headers: { authorization: `Bearer ${c.sim.token}`, ...(init.body ? { "content-type": "application/json" } : {}) },
    }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.on("end", () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
        } catch (e) {
          reject(new Error(`not JSON (${res.statusCode}): ${text.slice(0, 200)}`, { cause: e }));
        }
      });
    });
    req.on("error", reject);
    req.end(init.body ? JSON.stringify(init.body) : undefined);
  });
}

/** GET of a text endpoint (metrics) over the simulator's HTTPS port, without a token as a scraper does. */
export function simText(c: TestCluster, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request(`${c.sim.url}${path}`, { ca: c.sim.caCert }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.on("end", () => resolve(text));
    }).on("error", reject).end();
  });
}

/** Polls `fn` until it returns a truthy value (no fixed sleeps); fails with the last value seen. */
export async function waitFor<T>(fn: () => Promise<T> | T, what: string, timeoutMs = 60_000): Promise<Exclude<T, false | null | undefined | 0 | "">> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      last = await fn();
      if (last) return last as Exclude<T, false | null | undefined | 0 | "">;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- custom objects are schemaless JSON
export type Obj = any;

export function flavor(name: string, nodeLabels: Record<string, string>, extra: Record<string, unknown> = {}): Obj {
  return { apiVersion: "kueue.x-k8s.io/v1beta1", kind: "ResourceFlavor", metadata: { name }, spec: { nodeLabels, ...extra } };
}

export function clusterQueue(name: string, quota: Record<string, number | string>, spec: Record<string, unknown> = {}, flavorName = "mig-1g-10gb"): Obj {
  return {
    apiVersion: "kueue.x-k8s.io/v1beta1", kind: "ClusterQueue", metadata: { name },
    spec: {
      namespaceSelector: {},
      resourceGroups: [{ coveredResources: Object.keys(quota), flavors: [{ name: flavorName, resources: Object.entries(quota).map(([n, q]) => ({ name: n, nominalQuota: q })) }] }],
      ...spec,
    },
  };
}

export function localQueue(name: string, namespace: string, cq: string): Obj {
  return { apiVersion: "kueue.x-k8s.io/v1beta1", kind: "LocalQueue", metadata: { name, namespace }, spec: { clusterQueue: cq } };
}

export function gpuJob(name: string, queue: string, opts: { parallelism?: number; script?: string; labels?: Record<string, string>; grace?: number } = {}): Obj {
  return {
    apiVersion: "batch/v1", kind: "Job",
    metadata: { name, labels: { "kueue.x-k8s.io/queue-name": queue, ...(opts.labels ?? {}) } },
    spec: {
      parallelism: opts.parallelism ?? 1, completions: opts.parallelism ?? 1, backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: "Never", terminationGracePeriodSeconds: opts.grace ?? 1,
          containers: [{ name: "main", image: "busybox", command: ["sh", "-c", opts.script ?? "sleep 3600"], resources: { limits: { [MIG]: "1" } } }],
        },
      },
    },
  };
}

export function condition(obj: Obj, type: string): Obj {
  return (obj?.status?.conditions ?? []).find((c: Obj) => c.type === type);
}
