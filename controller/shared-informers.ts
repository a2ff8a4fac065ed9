import { makeInformer, type Informer, type KubernetesObject, type ObjectCache, type V1Pod } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { KubeClients } from "@/lib/kube/client";
import { KUEUE_GROUP, KUEUE_VERSION, type Workload } from "@/lib/kube/kueue-types";
import { SESSION_POD_SELECTOR } from "@/lib/kube/labels";

/**
 * The watches more than one controller needs, opened once per process: session pods (session and
 * usage controllers) and Kueue Workloads (session and jobs controllers). Each watch is one stream
 * from the API server and one JSON parse per event, however many controllers listen; the
 * controllers register their handlers before `start()` so that none misses the initial list.
 */
export interface SharedInformer<T extends KubernetesObject> {
  informer: Informer<T> & ObjectCache<T>;
  /** Resolves once the informer has listed (after `start()`). */
  ready: Promise<void>;
}

export interface SharedInformers {
  sessionPods: SharedInformer<V1Pod>;
  workloads: SharedInformer<Workload>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** An informer on AI Hub's session pods in `namespace` (not started). */
export function sessionPodInformer(k: KubeClients, namespace: string): Informer<V1Pod> & ObjectCache<V1Pod> {
  return makeInformer<V1Pod>(k.kc, `/api/v1/namespaces/${namespace}/pods`, () => k.core.listNamespacedPod({ namespace, labelSelector: SESSION_POD_SELECTOR }), SESSION_POD_SELECTOR);
}

/** An informer on the Kueue Workloads in `namespace` (not started). */
export function workloadInformer(k: KubeClients, namespace: string): Informer<Workload> & ObjectCache<Workload> {
  return makeInformer<Workload>(
    k.kc,
    `/apis/${KUEUE_GROUP}/${KUEUE_VERSION}/namespaces/${namespace}/workloads`,
    () => k.custom.listNamespacedCustomObject({ group: KUEUE_GROUP, version: KUEUE_VERSION, namespace, plural: "workloads" }) as never,
  );
}

/**
 * How long an informer event waits before the sync it triggers: 100 ms alone, 25 ms more per
 * object already waiting, at most 400 ms. A new pod or job passes through admission, gate removal
 * and binding within milliseconds; one sync after them writes once. In a burst (a hackathon
 * starting) the wait grows, so that the controller leaves the cores to the requests themselves.
 */
export const eventDelayMs = (waiting: number): number => Math.min(400, 100 + 25 * waiting);

/**
 * client-node stops an informer on a watch error other than 410 Gone: start it again after a
 * second, until `stopped()` says the owner has stopped.
 */
export function restartOnWatchError(inf: Pick<Informer<KubernetesObject>, "start"> & { on(verb: "error", cb: (err: unknown) => void): void }, name: string, log: Logger, stopped: () => boolean): void {
  inf.on("error", (err: unknown) => {
    if (stopped()) return;
    log.warn({ err: err instanceof Error ? err.message : String(err), informer: name }, "watch failed; restarting");
    setTimeout(() => void (stopped() ? undefined : inf.start().catch(() => undefined)), 1000).unref();
  });
}

export function createSharedInformers(k: KubeClients, namespace: string, log: Logger): SharedInformers {
  let stopped = false;
  const sessionPods = sessionPodInformer(k, namespace);
  const workloads = workloadInformer(k, namespace);
  restartOnWatchError(sessionPods, "session pods", log, () => stopped);
  restartOnWatchError(workloads, "workloads", log, () => stopped);
  let started: (() => void) | undefined;
  const go = new Promise<void>((r) => (started = r));
  const podsReady = go.then(() => sessionPods.start());
  const workloadsReady = go.then(() => workloads.start());
  return {
    sessionPods: { informer: sessionPods, ready: podsReady },
    workloads: { informer: workloads, ready: workloadsReady },
    async start() {
      started!();
      await Promise.all([podsReady, workloadsReady]);
    },
    async stop() {
      stopped = true;
      await Promise.all([sessionPods.stop(), workloads.stop()].map((p) => Promise.resolve(p).catch(() => undefined)));
    },
  };
}
