import { BatchV1Api, type V1Job, type V1Pod } from "@kubernetes/client-node";
import { isNotFound, toAppError, type KubeClients } from "@/lib/kube/client";
import { JOB_NAME_LABEL } from "@/lib/batch/job-from-session";

/**
 * Job create/read/delete through client-node's BatchV1Api, built on the core clients' configuration
 * (lib/kube/client.ts): same per-request timeout, same connection pool. Every error becomes an
 * AppError saying what was being done.
 */

const batchClients = new WeakMap<KubeClients, BatchV1Api>();

export function batchApi(k: KubeClients): BatchV1Api {
  let api = batchClients.get(k);
  if (!api) {
    // The same configuration as the core clients (lib/kube/client.ts): request timeout and one
    // shared keep-alive connection pool to the API server.
    api = new BatchV1Api(k.config);
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
