import {
  BatchV1Api,
  ServerConfiguration,
  createConfiguration,
  type RequestContext,
  type ResponseContext,
  type V1Job,
  type V1Pod,
} from "@kubernetes/client-node";
import { env } from "@/lib/env";
import { isNotFound, toAppError, type KubeClients } from "@/lib/kube/client";
import { JOB_NAME_LABEL } from "@/lib/batch/job-from-session";

/**
 * Job create/read/delete through client-node's BatchV1Api, with the same per-request timeout as
 * lib/kube/client.ts (which builds the core and custom-object clients only). Every error becomes an
 * AppError saying what was being done.
 */

const batchClients = new WeakMap<KubeClients, BatchV1Api>();

export function batchApi(k: KubeClients, requestTimeoutMs: number = env().KUBE_REQUEST_TIMEOUT_MS): BatchV1Api {
  let api = batchClients.get(k);
  if (!api) {
    const cluster = k.kc.getCurrentCluster();
    if (!cluster) throw toAppError(new Error("no current cluster"), "connecting to the cluster");
    // As in lib/kube/client.ts: client-node makes a new undici agent (a TLS handshake) per request;
    // the first one is kept and reused, since TLS settings are the same for every request.
    let dispatcher: ReturnType<RequestContext["getDispatcher"]>;
    const timeout = {
      pre: async (ctx: RequestContext) => {
        ctx.setSignal(AbortSignal.timeout(requestTimeoutMs));
        if (dispatcher) ctx.setDispatcher(dispatcher);
        else dispatcher = ctx.getDispatcher();
        return ctx;
      },
      post: async (ctx: ResponseContext) => ctx,
    };
    api = new BatchV1Api(
      createConfiguration({ baseServer: new ServerConfiguration(cluster.server, {}), authMethods: { default: k.kc }, promiseMiddleware: [timeout] }),
    );
    batchClients.set(k, api);
  }
  return api;
}

export async function createJob(k: KubeClients, job: V1Job): Promise<V1Job> {
  try {
    return await batchApi(k).createNamespacedJob({ namespace: k.namespace, body: job });
  } catch (e) {
    throw toAppError(e, "creating the batch Job");
  }
}

export async function readJob(k: KubeClients, name: string): Promise<V1Job | null> {
  try {
    return await batchApi(k).readNamespacedJob({ name, namespace: k.namespace });
  } catch (e) {
    if (isNotFound(e)) return null;
    throw toAppError(e, "reading the batch Job");
  }
}

/** Deletes a Job and (in the background, by the garbage collector) its pods; false when it was already gone. */
export async function deleteJob(k: KubeClients, name: string): Promise<boolean> {
  try {
    await batchApi(k).deleteNamespacedJob({ name, namespace: k.namespace, propagationPolicy: "Background" });
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw toAppError(e, "deleting the batch Job");
  }
}

/** The pods of a Job (every index, every attempt), newest first. */
export async function listJobPods(k: KubeClients, jobName: string): Promise<V1Pod[]> {
  try {
    const res = await k.core.listNamespacedPod({ namespace: k.namespace, labelSelector: `${JOB_NAME_LABEL}=${jobName}` });
    const t = (p: V1Pod) => (p.metadata?.creationTimestamp ? new Date(p.metadata.creationTimestamp).getTime() : 0);
    return [...res.items].sort((a, b) => t(b) - t(a));
  } catch (e) {
    throw toAppError(e, "listing the job's pods");
  }
}
