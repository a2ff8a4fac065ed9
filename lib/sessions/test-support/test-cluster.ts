import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadAllYaml, type KubernetesObject } from "@kubernetes/client-node";
import { stringify } from "yaml";
import { startSim, type RunningSim } from "@/sim/index";
import { makeKubeClients, type KubeClients } from "@/lib/kube/client";
import { applyObjects } from "@/lib/kube/apply-manifests";
import { generateQueueSetup } from "@/lib/kube/kueue-queues";
import { defaultProfiles } from "@/lib/catalog/default-catalogue";
import type { Topology } from "@/sim/topology/types";

/**
 * A simulated cluster for integration tests, set up as `npm run dev` sets up a real one: the
 * namespace, PriorityClasses and the generated Kueue queues applied through client-node.
 * The kubeconfig is written here because the simulator serves plain HTTP on loopback, which
 * client-node only accepts with insecure-skip-tls-verify.
 */
export interface TestCluster {
  sim: RunningSim;
  kube: KubeClients;
  kubeconfigPath: string;
  namespace: string;
  stop(): Promise<void>;
}

/** Writes a kubeconfig for the simulator on loopback; its certificate is self-signed, so verification is skipped. */
export function writeKubeconfig(url: string, token: string, namespace: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "ai-hub-kube-"));
  const kubeconfigPath = path.join(dir, "kubeconfig");
  writeFileSync(
    kubeconfigPath,
    stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "sim", cluster: { server: url, "insecure-skip-tls-verify": true } }],
      users: [{ name: "sim", user: { token } }],
      contexts: [{ name: "sim", context: { cluster: "sim", user: "sim", namespace } }],
      "current-context": "sim",
    }),
    { mode: 0o600 },
  );
  return kubeconfigPath;
}

/** Applies the namespace, deploy/kueue/base.yaml and the queues generated from the nodes. */
export async function setupQueues(kube: KubeClients, namespace: string): Promise<void> {
  const base = (loadAllYaml(readFileSync(new URL("../../../deploy/kueue/base.yaml", import.meta.url), "utf8")) as KubernetesObject[])
    .filter((o) => o.kind !== "Namespace");
  const nodes = (await kube.core.listNode({})).items;
  await applyObjects(kube.kc, [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } },
    ...base,
    ...generateQueueSetup({ nodes, profiles: defaultProfiles, namespace }),
  ]);
}

export async function startTestCluster(opts: { namespace: string; timeScale?: number; topology?: Topology | string }): Promise<TestCluster> {
  const sim = await startSim({ timeScale: opts.timeScale ?? 20, ...(opts.topology ? { topology: opts.topology } : {}) });
  const kubeconfigPath = writeKubeconfig(sim.url, sim.token, opts.namespace);
  const kube = makeKubeClients({ kubeconfigPath, namespace: opts.namespace, requestTimeoutMs: 5000 });
  await setupQueues(kube, opts.namespace);
  return { sim, kube, kubeconfigPath, namespace: opts.namespace, stop: () => sim.stop() };
}
