import type { V1Container, V1EnvVar, V1Pod, V1Volume, V1VolumeMount } from "@kubernetes/client-node";
import { gpuRequestProblems, gpuResourceQuantities, type GpuRequest } from "@/lib/gpu/gpu-request";
import { QUEUE_NAME_LABEL, labelValue, sessionLabels, sessionPodName } from "@/lib/kube/labels";

/**
 * Builds the Pod of an interactive session. Pure: the same input gives the same manifest, so it is
 * unit-tested field by field. What never goes in: IAM tokens, client secrets, the service account
 * token (automount off). The per-session token only opens this pod, and only through the proxy.
 */

export const SESSION_PORT = 8888;
export type ImageKind = "jupyterlab" | "vscode";

export interface SharedVolume {
  claimName: string;
  mountPath: string;
  readOnly: boolean;
}

export interface SessionPodInput {
  namespace: string;
  sessionId: string;
  /** DNS-label session name, part of the URL. */
  sessionName: string;
  userId: string;
  username: string;
  image: { reference: string; kind: ImageKind };
  cpu: number;
  memoryGiB: number;
  gpu: GpuRequest | null;
  token: string;
  queueName: string;
  priorityClassName: string;
  uid: number;
  gid: number;
  homeClaimName: string;
  sharedVolumes: SharedVolume[];
  shmGiB: number;
  /** The portal's public URL, given to the session as AI_HUB_URL for the CLI and `curl`. */
  portalUrl?: string;
}

/** The URL prefix the proxy routes to this session, with a trailing slash (JupyterHub's convention). */
export function sessionBasePath(username: string, sessionName: string): string {
  return `/user/${encodeURIComponent(username)}/${encodeURIComponent(sessionName)}/`;
}

/** Parses SHARED_VOLUMES entries `claim:/mount/path[:ro]`; throws on a malformed entry. */
export function parseSharedVolumes(entries: string[]): SharedVolume[] {
  return entries.map((entry) => {
    const m = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?):(\/[^:]*)(:ro|:rw)?$/.exec(entry);
    if (!m) throw new Error(`SHARED_VOLUMES entry "${entry}" must look like claim-name:/mount/path[:ro]`);
    return { claimName: m[1]!, mountPath: m[3]!, readOnly: m[4] === ":ro" };
  });
}

function cpuQuantity(cpu: number): string {
  return `${Math.round(cpu * 1000)}m`;
}

function memoryQuantity(gib: number): string {
  return `${Math.round(gib * 1024)}Mi`;
}

function homeDir(username: string): string {
  return `/home/${labelValue(username) || "user"}`;
}

function sessionEnv(p: SessionPodInput, prefix: string): V1EnvVar[] {
  const vars: Record<string, string> = {
    // Names JupyterHub's single-user images read, so existing images run unchanged.
    JUPYTERHUB_SERVICE_PREFIX: prefix,
    JUPYTERHUB_BASE_URL: "/",
    JUPYTERHUB_USER: p.username,
    JUPYTERHUB_SERVER_NAME: p.sessionName,
    JUPYTERHUB_API_TOKEN: p.token,
    JPY_API_TOKEN: p.token,
    JUPYTERHUB_SERVICE_URL: `http://0.0.0.0:${SESSION_PORT}${prefix}`,
    JUPYTER_TOKEN: p.token,
    AI_HUB_SESSION_ID: p.sessionId,
    NB_USER: p.username,
    NB_UID: String(p.uid),
    NB_GID: String(p.gid),
    HOME: homeDir(p.username),
    CPU_LIMIT: String(p.cpu),
    MEM_LIMIT: String(Math.round(p.memoryGiB * 1024 ** 3)),
    ...(p.portalUrl ? { AI_HUB_URL: p.portalUrl.replace(/\/+$/, "") } : {}),
  };
  return Object.entries(vars).map(([name, value]) => ({ name, value }));
}

function containerCommand(kind: ImageKind, prefix: string): Pick<V1Container, "command" | "args"> {
  if (kind === "jupyterlab") {
    // `jupyter lab` directly: start-notebook.py would switch to jupyterhub-singleuser when
    // JUPYTERHUB_API_TOKEN is set, which needs a hub API that AI Hub does not have. The token is
    // read from JUPYTER_TOKEN, so it is not repeated on the command line.
    return {
      command: ["jupyter", "lab"],
      args: [
        `--ServerApp.base_url=${prefix}`,
        "--ServerApp.ip=0.0.0.0",
        `--ServerApp.port=${SESSION_PORT}`,
        "--ServerApp.open_browser=False",
        "--ServerApp.allow_remote_access=True",
      ],
    };
  }
  // code-server: authentication is the proxy's job (only the owner gets through it), and
  // deploy/portal's NetworkPolicy lets only the proxy reach the pod. code-server serves at its
  // root and expects the proxy to strip /user/<name>/<session> (the route's stripPrefix);
  // --abs-proxy-base-path makes its /absproxy/<port>/ links carry the prefix.
  return {
    command: ["code-server"],
    args: [`--bind-addr=0.0.0.0:${SESSION_PORT}`, "--auth=none", `--abs-proxy-base-path=${prefix.replace(/\/$/, "")}`, "--disable-telemetry"],
  };
}

export function buildSessionPod(p: SessionPodInput): V1Pod {
  if (p.gpu) {
    const problems = gpuRequestProblems(p.gpu);
    if (problems.length) throw new Error(`GPU profile ${p.gpu.profileKey}: ${problems.join("; ")}`);
  }
  const prefix = sessionBasePath(p.username, p.sessionName);
  const gpu = p.gpu ? gpuResourceQuantities(p.gpu) : {};
  const requests = { cpu: cpuQuantity(p.cpu), memory: memoryQuantity(p.memoryGiB), ...gpu };
  const limits = { cpu: cpuQuantity(p.cpu), memory: memoryQuantity(p.memoryGiB), ...gpu };

  const volumes: V1Volume[] = [
    { name: "home", persistentVolumeClaim: { claimName: p.homeClaimName } },
    { name: "dshm", emptyDir: { medium: "Memory", sizeLimit: memoryQuantity(p.shmGiB) } },
    ...p.sharedVolumes.map((v, i) => ({
      name: `shared-${i}`,
      persistentVolumeClaim: { claimName: v.claimName, readOnly: v.readOnly },
    })),
  ];
  const volumeMounts: V1VolumeMount[] = [
    { name: "home", mountPath: homeDir(p.username) },
    { name: "dshm", mountPath: "/dev/shm" },
    ...p.sharedVolumes.map((v, i) => ({ name: `shared-${i}`, mountPath: v.mountPath, readOnly: v.readOnly })),
  ];

  // Jupyter answers <base>api without a token. code-server serves at its root (the proxy strips
  // the prefix) and answers /healthz without authentication.
  const probe = { httpGet: { path: p.image.kind === "jupyterlab" ? `${prefix}api` : "/healthz", port: SESSION_PORT } };
  const labels = {
    ...sessionLabels({ sessionId: p.sessionId, userId: p.userId, username: p.username, profileKey: p.gpu?.profileKey ?? null }),
    [QUEUE_NAME_LABEL]: p.queueName,
  };

  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: sessionPodName(p.sessionId),
      namespace: p.namespace,
      labels,
      annotations: { "ai-hub.infn.it/session-name": p.sessionName, "ai-hub.infn.it/username": p.username },
    },
    spec: {
      restartPolicy: "Never",
      priorityClassName: p.priorityClassName,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: 30,
      ...(p.gpu && Object.keys(p.gpu.nodeSelector).length ? { nodeSelector: { ...p.gpu.nodeSelector } } : {}),
      ...(p.gpu && p.gpu.tolerations.length ? { tolerations: p.gpu.tolerations.map((t) => ({ ...t })) } : {}),
      securityContext: {
        runAsUser: p.uid,
        runAsGroup: p.gid,
        fsGroup: p.gid,
        runAsNonRoot: true,
        seccompProfile: { type: "RuntimeDefault" },
      },
      volumes,
      containers: [
        {
          name: "notebook",
          image: p.image.reference,
          imagePullPolicy: "IfNotPresent",
          ...containerCommand(p.image.kind, prefix),
          workingDir: homeDir(p.username),
          ports: [{ name: "http", containerPort: SESSION_PORT, protocol: "TCP" }],
          env: sessionEnv(p, prefix),
          resources: { requests, limits },
          volumeMounts,
          readinessProbe: {
            ...probe,
            periodSeconds: 2,
            failureThreshold: 3,
            // A busy Jupyter server can take seconds to answer; a slow answer is not a dead server.
            timeoutSeconds: 5,
          },
          securityContext: {
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
          },
        },
      ],
    },
  };
}
