import { PassThrough, Readable } from "node:stream";
import { Log, type V1Pod } from "@kubernetes/client-node";
import { getPrisma } from "@/lib/db/prisma";
import { AppError } from "@/lib/errors/app-error";
import { kube, toAppError, type KubeClients } from "@/lib/kube/client";
import { listJobPods } from "@/lib/batch/batch-objects";
import { COMPLETION_INDEX_LABEL, JOB_CONTAINER } from "@/lib/batch/job-from-session";
import { findOwnJob } from "@/lib/batch/job-view";

/**
 * Logs of one completion index. While the index's pod exists (until the Job's TTL, or a cancel)
 * the log is read from it, whole, and `follow` streams it through client-node's Log; once the pod
 * is gone, the tail the controller saved (BatchJobTrial.logTail, last 64 KiB) is served instead.
 */

export function podIndex(pod: V1Pod): number | null {
  const raw = pod.metadata?.labels?.[COMPLETION_INDEX_LABEL] ?? pod.metadata?.annotations?.[COMPLETION_INDEX_LABEL];
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : null;
}

/** The newest pod of the index that has started a container (a pending pod has no log yet). */
async function podOfIndex(k: KubeClients, jobName: string, index: number): Promise<V1Pod | null> {
  const pods = (await listJobPods(k, jobName)).filter((p) => podIndex(p) === index);
  return pods.find((p) => (p.status?.containerStatuses ?? []).some((c) => c.state?.running || c.state?.terminated)) ?? null;
}

export interface JobLog {
  /** Where the text comes from: the live pod, or the tail saved after it finished. */
  source: "pod" | "saved";
  podName: string | null;
  stream: ReadableStream<Uint8Array>;
}

export async function readJobLog(opts: { userId: string; jobId: string; index: number; follow?: boolean; db?: ReturnType<typeof getPrisma>; kube?: KubeClients; signal?: AbortSignal }): Promise<JobLog> {
  const db = opts.db ?? getPrisma();
  const k = opts.kube ?? kube();
  const job = await findOwnJob(db, opts.userId, opts.jobId);
  if (!Number.isInteger(opts.index) || opts.index < 0 || opts.index >= job.trials) {
    throw new AppError("INVALID", `The job has trials 0 to ${job.trials - 1}; choose one of those.`, { fields: { index: "out of range" } });
  }
  const pod = job.namespace === k.namespace ? await podOfIndex(k, job.k8sName, opts.index) : null;
  if (pod) {
    const name = pod.metadata!.name!;
    if (!opts.follow) {
      try {
        const text = await k.core.readNamespacedPodLog({ name, namespace: k.namespace, container: JOB_CONTAINER });
        return { source: "pod", podName: name, stream: Readable.toWeb(Readable.from([Buffer.from(String(text))])) as ReadableStream<Uint8Array> };
      } catch (e) {
        throw toAppError(e, "reading the trial's log");
      }
    }
    const out = new PassThrough();
    try {
      const ctl = await new Log(k.kc).log(k.namespace, name, JOB_CONTAINER, out, (err: unknown) => (err ? out.destroy(toAppError(err, "following the log")) : out.end()), { follow: true });
      opts.signal?.addEventListener("abort", () => ctl.abort(), { once: true });
      out.on("close", () => ctl.abort());
    } catch (e) {
      throw toAppError(e, "following the trial's log");
    }
    return { source: "pod", podName: name, stream: Readable.toWeb(out) as ReadableStream<Uint8Array> };
  }
  const trial = await db.batchJobTrial.findUnique({ where: { jobId_index: { jobId: job.id, index: opts.index } } });
  if (trial?.logTail === null || trial?.logTail === undefined) {
    throw new AppError("NOT_FOUND", job.state === "queued" || job.state === "submitted" || job.state === "admitted" ? `Trial ${opts.index} has not started yet.` : `No log is available for trial ${opts.index}.`);
  }
  return { source: "saved", podName: trial.podName, stream: Readable.toWeb(Readable.from([Buffer.from(trial.logTail)])) as ReadableStream<Uint8Array> };
}
