import { describe, it, expect } from "vitest";
import { buildSessionPod, parseSharedVolumes, sessionBasePath, type SessionPodInput } from "@/lib/kube/session-pod";
import { buildHomePvc } from "@/lib/kube/home-pvc";
import { KUEUE_ADMISSION_GATE, MANAGED_BY_LABEL, QUEUE_NAME_LABEL, SESSION_ID_LABEL, USER_LABEL } from "@/lib/kube/labels";

const base: SessionPodInput = {
  namespace: "ai-hub",
  sessionId: "0b7c8f4e-1111-4222-8333-944455556666",
  sessionName: "thesis",
  userId: "u-1",
  username: "alice",
  image: { reference: "quay.io/jupyter/scipy-notebook:2025-01-01", kind: "jupyterlab" },
  cpu: 2,
  memoryGiB: 8,
  gpu: null,
  token: "tok-secret",
  queueName: "interactive",
  priorityClassName: "ai-hub-interactive",
  uid: 1000,
  gid: 100,
  homeClaimName: "home-u-1",
  sharedVolumes: [{ claimName: "public", mountPath: "/home/shared/public", readOnly: true }],
  shmGiB: 2,
};

const env = (pod: ReturnType<typeof buildSessionPod>) =>
  Object.fromEntries((pod.spec!.containers[0]!.env ?? []).map((e) => [e.name, e.value]));

describe("buildSessionPod", () => {
  it("labels the pod as managed, with user, session and the interactive LocalQueue", () => {
    const pod = buildSessionPod(base);
    const labels = pod.metadata!.labels!;
    expect(labels[MANAGED_BY_LABEL]).toBe("ai-hub");
    expect(labels[USER_LABEL]).toBe("alice");
    expect(labels[SESSION_ID_LABEL]).toBe(base.sessionId);
    expect(labels[QUEUE_NAME_LABEL]).toBe("interactive");
    expect(pod.metadata!.name).toBe(`session-${base.sessionId}`);
    expect(pod.spec!.priorityClassName).toBe("ai-hub-interactive");
    // Kueue adds its gate itself; the portal never pre-gates or un-gates a pod.
    expect(pod.spec!.schedulingGates ?? []).not.toContainEqual({ name: KUEUE_ADMISSION_GATE });
  });

  it("requests CPU and memory with equal limits and no GPU for a CPU-only session", () => {
    const r = buildSessionPod(base).spec!.containers[0]!.resources!;
    expect(r.requests).toEqual({ cpu: "2000m", memory: "8192Mi" });
    expect(r.limits).toEqual({ cpu: "2000m", memory: "8192Mi" });
    expect(buildSessionPod(base).spec!.nodeSelector).toBeUndefined();
  });

  it("mixed MIG strategy requests the MIG resource itself", () => {
    const pod = buildSessionPod({
      ...base,
      gpu: {
        profileKey: "mig-1g.10gb",
        strategy: "mig-mixed",
        resourceName: "nvidia.com/mig-1g.10gb",
        count: 1,
        nodeSelector: {},
        tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "PreferNoSchedule" }],
      },
    });
    const r = pod.spec!.containers[0]!.resources!;
    expect(r.requests!["nvidia.com/mig-1g.10gb"]).toBe("1");
    expect(r.limits!["nvidia.com/mig-1g.10gb"]).toBe("1");
    expect(r.limits!["nvidia.com/gpu"]).toBeUndefined();
    expect(pod.spec!.nodeSelector).toBeUndefined();
    expect(pod.spec!.tolerations).toEqual([{ key: "nvidia.com/gpu", operator: "Exists", effect: "PreferNoSchedule" }]);
    expect(pod.metadata!.labels!["ai-hub.infn.it/gpu-profile"]).toBe("mig-1g.10gb");
  });

  it("single MIG strategy requests nvidia.com/gpu and selects the product label", () => {
    const pod = buildSessionPod({
      ...base,
      gpu: {
        profileKey: "mig-1g.10gb",
        strategy: "single",
        resourceName: "nvidia.com/gpu",
        count: 1,
        nodeSelector: { "nvidia.com/gpu.product": "NVIDIA-A100-80GB-PCIe-MIG-1g.10gb" },
        tolerations: [],
      },
    });
    const r = pod.spec!.containers[0]!.resources!;
    expect(r.limits!["nvidia.com/gpu"]).toBe("1");
    expect(pod.spec!.nodeSelector).toEqual({ "nvidia.com/gpu.product": "NVIDIA-A100-80GB-PCIe-MIG-1g.10gb" });
    expect(pod.spec!.tolerations).toBeUndefined();
  });

  it("refuses a single-strategy profile without a product selector", () => {
    expect(() =>
      buildSessionPod({
        ...base,
        gpu: { profileKey: "x", strategy: "single", resourceName: "nvidia.com/gpu", count: 1, nodeSelector: {}, tolerations: [] },
      }),
    ).toThrow(/nvidia.com\/gpu.product/);
  });

  it("mounts home, shared volumes and a memory-backed /dev/shm", () => {
    const pod = buildSessionPod(base);
    const vols = Object.fromEntries(pod.spec!.volumes!.map((v) => [v.name, v]));
    expect(vols.home!.persistentVolumeClaim!.claimName).toBe("home-u-1");
    expect(vols.dshm!.emptyDir).toEqual({ medium: "Memory", sizeLimit: "2048Mi" });
    expect(vols["shared-0"]!.persistentVolumeClaim).toEqual({ claimName: "public", readOnly: true });
    const mounts = Object.fromEntries(pod.spec!.containers[0]!.volumeMounts!.map((m) => [m.name, m]));
    expect(mounts.dshm!.mountPath).toBe("/dev/shm");
    expect(mounts.home!.mountPath).toBe("/home/alice");
    expect(mounts["shared-0"]).toMatchObject({ mountPath: "/home/shared/public", readOnly: true });
  });

  it("runs as the configured non-root uid/gid without the service account token", () => {
    const pod = buildSessionPod(base);
    expect(pod.spec!.securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 100, fsGroup: 100, runAsNonRoot: true });
    expect(pod.spec!.automountServiceAccountToken).toBe(false);
    expect(pod.spec!.containers[0]!.securityContext!.allowPrivilegeEscalation).toBe(false);
  });

  it("sets the JupyterHub-compatible environment and never an IAM secret", () => {
    const e = env(buildSessionPod(base));
    expect(e.JUPYTERHUB_SERVICE_PREFIX).toBe("/user/alice/thesis/");
    expect(e.JUPYTERHUB_USER).toBe("alice");
    expect(e.JUPYTERHUB_SERVER_NAME).toBe("thesis");
    expect(e.JUPYTERHUB_API_TOKEN).toBe("tok-secret");
    expect(e.JPY_API_TOKEN).toBe("tok-secret");
    expect(e.JUPYTERHUB_BASE_URL).toBe("/");
    for (const name of Object.keys(e)) expect(name).not.toMatch(/IAM|CLIENT_SECRET|ACCESS_TOKEN|REFRESH_TOKEN/);
    expect(e.AI_HUB_URL).toBeUndefined();
  });

  it("tells the session where the portal is (AI_HUB_URL, for `ai-hub submit` and curl)", () => {
    expect(env(buildSessionPod({ ...base, portalUrl: "https://aihub.example.org/" })).AI_HUB_URL).toBe("https://aihub.example.org");
  });

  it("starts JupyterLab on the base URL and probes its API", () => {
    const c = buildSessionPod(base).spec!.containers[0]!;
    expect(c.command).toEqual(["jupyter", "lab"]);
    expect(c.args).toContain("--ServerApp.base_url=/user/alice/thesis/");
    expect(c.args).toContain("--ServerApp.port=8888");
    expect(c.readinessProbe!.httpGet).toMatchObject({ path: "/user/alice/thesis/api", port: 8888 });
    expect(c.args!.join(" ")).not.toContain("tok-secret");
  });

  it("starts code-server on 0.0.0.0:8888 without its own password", () => {
    const c = buildSessionPod({ ...base, image: { reference: "codercom/code-server:4", kind: "vscode" } }).spec!.containers[0]!;
    expect(c.command).toEqual(["code-server"]);
    expect(c.args).toContain("--bind-addr=0.0.0.0:8888");
    expect(c.args).toContain("--auth=none");
    expect(c.args).toContain("--abs-proxy-base-path=/user/alice/thesis");
    // code-server serves at its root: the probe does not carry the prefix.
    expect(c.readinessProbe!.httpGet).toMatchObject({ path: "/healthz", port: 8888 });
  });
});

describe("sessionBasePath and parseSharedVolumes", () => {
  it("escapes unusual usernames in the URL", () => {
    expect(sessionBasePath("a b", "s1")).toBe("/user/a%20b/s1/");
  });
  it("parses claim:/path[:ro] and rejects garbage", () => {
    expect(parseSharedVolumes(["public:/home/shared/public:ro", "envs:/envs"])).toEqual([
      { claimName: "public", mountPath: "/home/shared/public", readOnly: true },
      { claimName: "envs", mountPath: "/envs", readOnly: false },
    ]);
    expect(() => parseSharedVolumes(["Not A Claim"])).toThrow(/claim-name/);
  });
});

describe("buildHomePvc", () => {
  it("is labelled, sized, and keyed by the user id", () => {
    const pvc = buildHomePvc({ namespace: "ai-hub", userId: "U-1", username: "alice", size: "20Gi", storageClassName: "nfs" });
    expect(pvc.metadata!.name).toBe("home-u-1");
    expect(pvc.metadata!.labels![MANAGED_BY_LABEL]).toBe("ai-hub");
    expect(pvc.spec!.resources!.requests!.storage).toBe("20Gi");
    expect(pvc.spec!.storageClassName).toBe("nfs");
    expect(pvc.metadata!.ownerReferences).toBeUndefined();
  });
});
