import type { V1ContainerStatus, V1Pod } from "@kubernetes/client-node";
import { KUEUE_ADMISSION_GATE } from "@/lib/kube/labels";
import { condition, type Workload } from "@/lib/kube/kueue-types";

/**
 * Maps what Kueue and Kubernetes say about a session's pod to a session state and one progress
 * event in JupyterHub's shape (`{ progress, message, ready?, failed?, url? }`, hub-anchors §1.6).
 * Pure: the controller calls it on every informer event and on a timer (for timeouts).
 */

export const sessionStates = ["requested", "queued", "starting", "ready", "stopping", "stopped", "failed"] as const;
export type SessionState = (typeof sessionStates)[number];
export type EventLevel = "info" | "warning" | "error";

export interface ProgressEvent {
  progress: number;
  message: string;
  ready?: true;
  failed?: true;
  url?: string;
}

export interface Observation {
  state: SessionState;
  event: ProgressEvent;
  level: EventLevel;
  node?: string;
  podIp?: string;
  /** Failure or stop reason stored on the session. */
  reason?: string;
}

export interface ProgressInput {
  now: Date;
  createdAt: Date;
  /** The pod as last seen; null when it does not exist (not created yet, or gone). */
  pod: V1Pod | null;
  /** True when the pod existed and was deleted. */
  podGone: boolean;
  /** True when AI Hub itself asked for the stop (user, culler, cancel). */
  stopRequested: boolean;
  workload: Workload | null;
  /** 0-based position in the LocalQueue from Kueue's visibility API, when known. */
  queuePosition: number | null;
  admissionTimeoutMs: number;
  unschedulableGraceMs: number;
  url: string;
  /**
   * When the caller first saw the pod unschedulable, by its own clock. Preferred to the
   * condition's lastTransitionTime, which is the API server's clock and may be skewed.
   */
  unschedulableSince?: Date;
  /** Last lines of the container's log, read by the caller for crashed containers. */
  lastLogLines?: string[];
}

const PULL_FAILURES = new Set(["ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull"]);
const CONFIG_FAILURES = new Set(["CreateContainerConfigError", "CreateContainerError", "RunContainerError"]);

function time(t: string | Date | undefined): number | undefined {
  if (!t) return undefined;
  const ms = new Date(t).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}

function logTail(lines: string[] | undefined): string {
  if (!lines?.length) return "";
  return `\nLast log lines:\n${lines.slice(-20).join("\n")}`;
}

function failed(message: string, reason: string, extra: Partial<Observation> = {}): Observation {
  return { state: "failed", level: "error", reason, event: { progress: 100, failed: true, message }, ...extra };
}

function crashMessage(cs: V1ContainerStatus, lines: string[] | undefined): string {
  const t = cs.state?.terminated ?? cs.lastState?.terminated;
  const code = t?.exitCode !== undefined ? ` with exit code ${t.exitCode}` : "";
  const why = t?.reason && t.reason !== "Error" ? ` (${t.reason})` : "";
  return `The server exited${code}${why}.${logTail(lines)}`;
}

export function observeSession(input: ProgressInput): Observation {
  const { pod, now } = input;
  if (!pod) {
    if (input.podGone) {
      return input.stopRequested
        ? { state: "stopped", level: "info", reason: "Stopped", event: { progress: 100, message: "Session stopped." } }
        : {
            state: "stopped",
            level: "warning",
            reason: "The session's pod was deleted outside AI Hub (by an administrator, a node failure or a preemption).",
            event: { progress: 100, message: "The session's pod disappeared from the cluster; the session is stopped." },
          };
    }
    if (input.stopRequested) return { state: "stopped", level: "info", reason: "Cancelled", event: { progress: 100, message: "Session cancelled." } };
    return { state: "requested", level: "info", event: { progress: 5, message: "Session requested." } };
  }

  const node = pod.spec?.nodeName;
  const podIp = pod.status?.podIP;
  const where = { ...(node ? { node } : {}), ...(podIp ? { podIp } : {}) };

  if (pod.metadata?.deletionTimestamp || input.stopRequested) {
    return { state: "stopping", level: "info", ...where, event: { progress: 100, message: "Stopping the session…" } };
  }

  const cs = pod.status?.containerStatuses?.[0];
  const phase = pod.status?.phase;
  if (phase === "Failed") return failed(cs ? crashMessage(cs, input.lastLogLines) : `The pod failed: ${pod.status?.message ?? pod.status?.reason ?? "no reason given"}.`, pod.status?.reason ?? "Failed", where);
  if (phase === "Succeeded") {
    return { state: "stopped", level: "info", reason: "The server shut itself down.", ...where, event: { progress: 100, message: "The server shut itself down." } };
  }

  const gated = (pod.spec?.schedulingGates ?? []).some((g) => g.name === KUEUE_ADMISSION_GATE);
  if (gated) {
    const waitedMs = now.getTime() - input.createdAt.getTime();
    const quota = condition(input.workload, "QuotaReserved");
    const why = quota?.status === "False" && quota.message ? ` Kueue: ${quota.message}` : "";
    if (waitedMs >= input.admissionTimeoutMs) {
      const minutes = Math.round(input.admissionTimeoutMs / 60_000);
      return failed(`No GPU became free within ${minutes} minute${minutes === 1 ? "" : "s"}; the request was withdrawn. Try a different profile or later.${why}`, "AdmissionTimeout");
    }
    const pos = input.queuePosition !== null ? ` You are number ${input.queuePosition + 1} in the queue.` : "";
    return { state: "queued", level: "info", event: { progress: 10, message: `Waiting for free capacity.${pos}${why}` } };
  }

  const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
  if (!node) {
    if (scheduled?.status === "False" && scheduled.reason === "Unschedulable") {
      const since = input.unschedulableSince?.getTime() ?? Math.min(time(scheduled.lastTransitionTime) ?? now.getTime(), now.getTime());
      const message = `The scheduler cannot place the session: ${scheduled.message ?? "no node fits"}`;
      if (now.getTime() - since >= input.unschedulableGraceMs) return failed(message, "Unschedulable");
      return { state: "starting", level: "warning", event: { progress: 30, message } };
    }
    const cq = input.workload?.status?.admission?.clusterQueue;
    return { state: "starting", level: "info", event: { progress: 30, message: `Admitted${cq ? ` by ClusterQueue ${cq}` : ""}; waiting for a node.` } };
  }

  const waiting = cs?.state?.waiting;
  if (waiting?.reason && PULL_FAILURES.has(waiting.reason)) {
    return failed(`The image ${cs?.image ?? ""} cannot be pulled (${waiting.reason})${waiting.message ? `: ${waiting.message}` : "."}`, waiting.reason, where);
  }
  if (waiting?.reason && CONFIG_FAILURES.has(waiting.reason)) {
    return failed(`The container cannot be created (${waiting.reason})${waiting.message ? `: ${waiting.message}` : "."}`, waiting.reason, where);
  }
  if (waiting?.reason === "CrashLoopBackOff" || (cs?.state?.terminated && cs.state.terminated.exitCode !== 0)) {
    return failed(crashMessage(cs!, input.lastLogLines), "CrashLoopBackOff", where);
  }
  if (!cs || waiting) {
    const pulling = !cs || waiting?.reason === "ContainerCreating" || waiting?.reason === "PodInitializing";
    return {
      state: "starting",
      level: "info",
      ...where,
      event: pulling
        ? { progress: 55, message: `Scheduled to node ${node}; pulling the image and creating the container.` }
        : { progress: 45, message: `Scheduled to node ${node}.` },
    };
  }
  if (cs.state?.running && !cs.ready) {
    return { state: "starting", level: "info", ...where, event: { progress: 80, message: `Server started on ${node}; waiting for it to answer.` } };
  }
  if (cs.ready) {
    return { state: "ready", level: "info", ...where, event: { progress: 100, ready: true, message: "Your session is ready.", url: input.url } };
  }
  return { state: "starting", level: "info", ...where, event: { progress: 45, message: `Scheduled to node ${node}.` } };
}

/** True when the container crashed, so the caller should read its last log lines before mapping. */
export function podNeedsLogs(pod: V1Pod | null): boolean {
  const cs = pod?.status?.containerStatuses?.[0];
  if (!cs) return false;
  return (
    pod?.status?.phase === "Failed" ||
    cs.state?.waiting?.reason === "CrashLoopBackOff" ||
    (cs.state?.terminated !== undefined && cs.state.terminated.exitCode !== 0)
  );
}
