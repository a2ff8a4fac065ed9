import type {
  V1Container,
  V1EnvVar,
  V1Job,
  V1Pod,
  V1PodSecurityContext,
  V1SecurityContext,
  V1Toleration,
  V1Volume,
  V1VolumeMount,
} from "@kubernetes/client-node";
import { gpuRequestProblems, gpuResourceQuantities, type GpuRequest } from "@/lib/gpu/gpu-request";
import {
  COMPONENT_LABEL,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  PROFILE_LABEL,
  QUEUE_NAME_LABEL,
  SESSION_ID_LABEL,
  USER_ID_LABEL,
  USER_LABEL,
  labelValue,
} from "@/lib/kube/labels";

/**
 * Builds the batch/v1 Job of a batch job, from a running session's pod ("Run as batch job", what
 * the AI_INFN VK dispatcher calls a "bunshin", a clone) or from a catalogue image. Pure: unit-tested
 * field by field. The Job is created suspended with Kueue's labels; Kueue admits it on borrowed
 * quota of the batch ClusterQueue and may evict it at any time for an interactive session, so the
 * pods ignore disruptions (podFailurePolicy) and stop quickly (short grace period).
 */

export const JOB_ID_LABEL = "ai-hub.infn.it/job-id";
export const PRIORITY_CLASS_LABEL = "kueue.x-k8s.io/priority-class";
export const COMPLETION_INDEX_LABEL = "batch.kubernetes.io/job-completion-index";
export const JOB_NAME_LABEL = "batch.kubernetes.io/job-name";
/** interLink's virtual node (reference/kueue-gpu-metrics.md §5.1): always tainted, selected by its type label. */
export const INTERLINK_TAINT = "virtual-node.interlink/no-schedule";
export const INTERLINK_TYPE_LABEL = "virtual-node.interlink/type";
export const INTERLINK_TYPE_VALUE = "virtual-kubelet";

export const batchPriorities = ["low", "normal", "high"] as const;
export type BatchPriority = (typeof batchPriorities)[number];
export type BatchTarget = "local" | "offload";

export const JOB_CONTAINER = "job";
export const BATCH_COMPONENT = "batch-job";
/** Label selector of every batch Job (and its pods) AI Hub manages. */
export const BATCH_JOB_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE},${COMPONENT_LABEL}=${BATCH_COMPONENT}`;

/** What a Job copies from its origin: a session pod, or a catalogue image with the configured volumes. */
export interface JobBase {
  image: string;
  env: V1EnvVar[];
  volumes: V1Volume[];
  volumeMounts: V1VolumeMount[];
  podSecurityContext?: V1PodSecurityContext;
  containerSecurityContext?: V1SecurityContext;
  /** Default working directory (the session's); the form may override it. */
  workingDir?: string;
}

export interface JobSpecInput {
  namespace: string;
  jobId: string;
  userId: string;
  username: string;
  sessionId?: string | null;
  base: JobBase;
  script: string;
  workingDir?: string | null;
  cpu: number;
  memoryGiB: number;
  gpu: GpuRequest | null;
  trials: number;
  deadlineSeconds: number;
  priority: BatchPriority;
  target: BatchTarget;
  localQueue: string;
  podPriorityClassName: string;
  ttlSecondsAfterFinished: number;
}

/**
 * Session-only values that must not reach a batch job: the per-session token opens the session pod
 * through the proxy, and the base-URL variables describe the session's URL. The pattern is a
 * second line of defence for anything token-like added to session pods later.
 */
const SESSION_ONLY_ENV = new Set([
  "JUPYTERHUB_API_TOKEN",
  "JPY_API_TOKEN",
  "JUPYTER_TOKEN",
  "JUPYTERHUB_SERVICE_PREFIX",
  "JUPYTERHUB_SERVICE_URL",
  "JUPYTERHUB_BASE_URL",
  "JUPYTERHUB_SERVER_NAME",
  "JUPYTERHUB_API_URL",
  "JUPYTERHUB_OAUTH_CALLBACK_URL",
  "AI_HUB_SESSION_TOKEN",
  "AI_HUB_BASE_URL",
  "AI_HUB_SESSION_ID",
  "CPU_LIMIT",
  "MEM_LIMIT",
]);
const SECRET_LIKE = /TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL/i;

export function isSessionOnlyEnv(name: string): boolean {
  return SESSION_ONLY_ENV.has(name) || SECRET_LIKE.test(name);
}

/** Volume kinds a job may inherit; service-account projections and secrets are never copied. */
function copyableVolume(v: V1Volume): boolean {
  return !v.projected && !v.secret;
}

/** The image, env, volumes and security context of a session pod's main container. */
export function jobBaseFromPod(pod: V1Pod): JobBase {
  const container = pod.spec?.containers?.[0];
  if (!container?.image) throw new Error("the session pod has no container image");
  const volumes = (pod.spec?.volumes ?? []).filter(copyableVolume).map((v) => structuredClone(v));
  const names = new Set(volumes.map((v) => v.name));
  return {
    image: container.image,
    env: (container.env ?? []).filter((e) => !isSessionOnlyEnv(e.name) && !e.valueFrom?.secretKeyRef).map((e) => structuredClone(e)),
    volumes,
    volumeMounts: (container.volumeMounts ?? []).filter((m) => names.has(m.name)).map((m) => structuredClone(m)),
    ...(pod.spec?.securityContext ? { podSecurityContext: structuredClone(pod.spec.securityContext) } : {}),
    ...(container.securityContext ? { containerSecurityContext: structuredClone(container.securityContext) } : {}),
    ...(container.workingDir ? { workingDir: container.workingDir } : {}),
  };
}

/** Kubernetes name of the Job of a batch job: stable, derived from the id, so a retry never makes two. */
export function jobK8sName(jobId: string): string {
  return `batch-${jobId.toLowerCase().replace(/[^a-z0-9-]/g, "")}`.slice(0, 48).replace(/-+$/, "");
}

export function workloadPriorityClass(p: BatchPriority): string {
  return `batch-${p}`;
}

function cpuQuantity(cpu: number): string {
  return `${Math.round(cpu * 1000)}m`;
}

function memoryQuantity(gib: number): string {
  return `${Math.round(gib * 1024)}Mi`;
}

export function buildBatchJob(p: JobSpecInput): V1Job {
  if (!Number.isInteger(p.trials) || p.trials < 1) throw new Error("trials must be a positive integer");
  if (p.gpu) {
    const problems = gpuRequestProblems(p.gpu);
    if (problems.length) throw new Error(`GPU profile ${p.gpu.profileKey}: ${problems.join("; ")}`);
  }
  const name = jobK8sName(p.jobId);
  const gpu = p.gpu ? gpuResourceQuantities(p.gpu) : {};
  const resources = {
    requests: { cpu: cpuQuantity(p.cpu), memory: memoryQuantity(p.memoryGiB), ...gpu },
    limits: { cpu: cpuQuantity(p.cpu), memory: memoryQuantity(p.memoryGiB), ...gpu },
  };
  const labels: Record<string, string> = {
    [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
    [COMPONENT_LABEL]: BATCH_COMPONENT,
    [USER_LABEL]: labelValue(p.username),
    [USER_ID_LABEL]: labelValue(p.userId),
    [JOB_ID_LABEL]: labelValue(p.jobId),
    ...(p.sessionId ? { [SESSION_ID_LABEL]: labelValue(p.sessionId) } : {}),
    ...(p.gpu ? { [PROFILE_LABEL]: labelValue(p.gpu.profileKey) } : {}),
  };

  // The node selector and tolerations come from the chosen profile, never from the session pod:
  // its profile may differ, and an admitted session pod carries its flavor's labels too.
  const nodeSelector: Record<string, string> = { ...(p.gpu?.nodeSelector ?? {}) };
  const tolerations: V1Toleration[] = (p.gpu?.tolerations ?? []).map((t) => ({ ...t }));
  if (p.target === "offload") {
    nodeSelector[INTERLINK_TYPE_LABEL] = INTERLINK_TYPE_VALUE;
    tolerations.push({ key: INTERLINK_TAINT, operator: "Exists", effect: "NoSchedule" });
  }

  const env: V1EnvVar[] = [
    ...p.base.env.filter((e) => !["AI_HUB_JOB_ID", "CPU_LIMIT", "MEM_LIMIT"].includes(e.name)),
    { name: "AI_HUB_JOB_ID", value: p.jobId },
    { name: "CPU_LIMIT", value: String(p.cpu) },
    { name: "MEM_LIMIT", value: String(Math.round(p.memoryGiB * 1024 ** 3)) },
  ];
  const workingDir = p.workingDir || p.base.workingDir;
  const container: V1Container = {
    name: JOB_CONTAINER,
    image: p.base.image,
    imagePullPolicy: "IfNotPresent",
    command: ["/bin/sh", "-c", p.script],
    ...(workingDir ? { workingDir } : {}),
    env,
    resources,
    volumeMounts: p.base.volumeMounts.map((m) => ({ ...m })),
    ...(p.base.containerSecurityContext ? { securityContext: structuredClone(p.base.containerSecurityContext) } : {}),
  };

  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name,
      namespace: p.namespace,
      labels: {
        ...labels,
        [QUEUE_NAME_LABEL]: p.localQueue,
        [PRIORITY_CLASS_LABEL]: workloadPriorityClass(p.priority),
      },
      annotations: { "ai-hub.infn.it/username": p.username },
    },
    spec: {
      // Kueue unsuspends it on admission; created running, it would bypass the queue until Kueue noticed.
      suspend: true,
      parallelism: p.trials,
      completions: p.trials,
      completionMode: "Indexed",
      // Each index runs once; a failed trial is reported, not silently retried behind the user's back.
      backoffLimit: 0,
      activeDeadlineSeconds: p.deadlineSeconds,
      ttlSecondsAfterFinished: p.ttlSecondsAfterFinished,
      // Pods evicted for an interactive session (or by the scheduler) are not failures.
      podFailurePolicy: { rules: [{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget" }] }] },
      template: {
        metadata: { labels: { ...labels } },
        spec: {
          restartPolicy: "Never",
          priorityClassName: p.podPriorityClassName,
          // Eviction frees quota only once the pods are gone: an interactive session waits this long at most.
          terminationGracePeriodSeconds: 30,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          ...(Object.keys(nodeSelector).length ? { nodeSelector } : {}),
          ...(tolerations.length ? { tolerations } : {}),
          ...(p.base.podSecurityContext ? { securityContext: structuredClone(p.base.podSecurityContext) } : {}),
          volumes: p.base.volumes.map((v) => structuredClone(v)),
          containers: [container],
        },
      },
    },
  };
}
