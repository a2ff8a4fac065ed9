import { describe, expect, it } from "vitest";
import type { V1Pod } from "@kubernetes/client-node";
import { buildSessionPod } from "@/lib/kube/session-pod";
import type { GpuRequest } from "@/lib/gpu/gpu-request";
import { buildBatchJob, isSessionOnlyEnv, jobBaseFromPod, jobK8sName, type JobSpecInput } from "@/lib/batch/job-from-session";

const sessionPod: V1Pod = buildSessionPod({
  namespace: "ai-hub",
  sessionId: "0b6c7a8e-1111-4222-8333-944455556666",
  sessionName: "thesis",
  userId: "u-1",
  username: "alice",
  image: { reference: "quay.io/jupyter/pytorch-notebook:cuda12", kind: "jupyterlab" },
  cpu: 2,
  memoryGiB: 8,
  gpu: { profileKey: "t4", strategy: "single", resourceName: "nvidia.com/gpu", count: 1, nodeSelector: { "nvidia.com/gpu.product": "Tesla-T4" }, tolerations: [] },
  token: "secret-session-token",
  queueName: "interactive",
  priorityClassName: "ai-hub-interactive",
  uid: 1000,
  gid: 100,
  homeClaimName: "home-u-1",
  sharedVolumes: [{ claimName: "datasets", mountPath: "/data", readOnly: true }],
  shmGiB: 2,
});

const mig: GpuRequest = { profileKey: "mig-1g.10gb", strategy: "mig-mixed", resourceName: "nvidia.com/mig-1g.10gb", count: 1, nodeSelector: {}, tolerations: [] };
const single: GpuRequest = {
  profileKey: "a100",
  strategy: "single",
  resourceName: "nvidia.com/gpu",
  count: 1,
  nodeSelector: { "nvidia.com/gpu.product": "NVIDIA-A100-80GB-PCIe" },
  tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "PreferNoSchedule" }],
};

function input(over: Partial<JobSpecInput> = {}): JobSpecInput {
  return {
    namespace: "ai-hub",
    jobId: "7e0f9d1c-aaaa-4bbb-8ccc-ddddeeeeffff",
    userId: "u-1",
    username: "alice",
    sessionId: "0b6c7a8e-1111-4222-8333-944455556666",
    base: jobBaseFromPod(sessionPod),
    script: "python train.py --trial $JOB_COMPLETION_INDEX",
    workingDir: "/home/alice/project",
    cpu: 4,
    memoryGiB: 16,
    gpu: mig,
    trials: 4,
    deadlineSeconds: 7200,
    priority: "normal",
    target: "local",
    localQueue: "batch",
    podPriorityClassName: "ai-hub-batch",
    ttlSecondsAfterFinished: 86400,
    ...over,
  };
}

describe("batch: Job from a session pod", () => {
  it("copies image, volumes, mounts and security context; drops session-only env", () => {
    const job = buildBatchJob(input());
    const pod = job.spec!.template.spec!;
    const c = pod.containers[0]!;
    expect(c.image).toBe("quay.io/jupyter/pytorch-notebook:cuda12");
    expect(c.command).toEqual(["/bin/sh", "-c", "python train.py --trial $JOB_COMPLETION_INDEX"]);
    expect(c.workingDir).toBe("/home/alice/project");
    const names = (c.env ?? []).map((e) => e.name);
    for (const gone of ["JUPYTERHUB_API_TOKEN", "JPY_API_TOKEN", "JUPYTER_TOKEN", "JUPYTERHUB_SERVICE_PREFIX", "JUPYTERHUB_SERVICE_URL", "JUPYTERHUB_BASE_URL", "AI_HUB_SESSION_ID"]) {
      expect(names).not.toContain(gone);
    }
    expect(JSON.stringify(job)).not.toContain("secret-session-token");
    expect(names).toEqual(expect.arrayContaining(["HOME", "NB_USER", "JUPYTERHUB_USER", "AI_HUB_JOB_ID"]));
    expect(c.env!.find((e) => e.name === "CPU_LIMIT")!.value).toBe("4");
    expect(pod.volumes!.map((v) => v.name)).toEqual(["home", "dshm", "shared-0"]);
    expect(pod.volumes![0]!.persistentVolumeClaim!.claimName).toBe("home-u-1");
    expect(c.volumeMounts!.map((m) => m.mountPath)).toEqual(["/home/alice", "/dev/shm", "/data"]);
    expect(pod.securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 100, fsGroup: 100, runAsNonRoot: true });
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
    expect(c.ports).toBeUndefined();
    expect(c.readinessProbe).toBeUndefined();
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  it("is a suspended, Kueue-labelled Indexed Job that ignores disruptions", () => {
    const job = buildBatchJob(input({ priority: "low" }));
    expect(job.metadata!.name).toBe("batch-7e0f9d1c-aaaa-4bbb-8ccc-ddddeeeeffff");
    expect(job.metadata!.labels).toMatchObject({
      "kueue.x-k8s.io/queue-name": "batch",
      "kueue.x-k8s.io/priority-class": "batch-low",
      "app.kubernetes.io/managed-by": "ai-hub",
      "app.kubernetes.io/component": "batch-job",
      "ai-hub.infn.it/user": "alice",
      "ai-hub.infn.it/user-id": "u-1",
      "ai-hub.infn.it/job-id": "7e0f9d1c-aaaa-4bbb-8ccc-ddddeeeeffff",
      "ai-hub.infn.it/session-id": "0b6c7a8e-1111-4222-8333-944455556666",
    });
    const s = job.spec!;
    expect(s.suspend).toBe(true);
    expect(s.completionMode).toBe("Indexed");
    expect(s.completions).toBe(4);
    expect(s.parallelism).toBe(4);
    expect(s.activeDeadlineSeconds).toBe(7200);
    expect(s.ttlSecondsAfterFinished).toBe(86400);
    expect(s.podFailurePolicy!.rules).toEqual([{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget" }] }]);
    expect(s.template.spec!.restartPolicy).toBe("Never");
    expect(s.template.spec!.terminationGracePeriodSeconds).toBe(30);
    expect(s.template.spec!.priorityClassName).toBe("ai-hub-batch");
    expect(s.template.metadata!.labels!["kueue.x-k8s.io/queue-name"]).toBeUndefined();
    expect(s.template.metadata!.labels!["ai-hub.infn.it/job-id"]).toBe("7e0f9d1c-aaaa-4bbb-8ccc-ddddeeeeffff");
  });

  it("requests the chosen profile, not the session's: MIG mixed", () => {
    const c = buildBatchJob(input()).spec!.template.spec!;
    expect(c.containers[0]!.resources).toEqual({
      requests: { cpu: "4000m", memory: "16384Mi", "nvidia.com/mig-1g.10gb": "1" },
      limits: { cpu: "4000m", memory: "16384Mi", "nvidia.com/mig-1g.10gb": "1" },
    });
    // The session's T4 selector does not follow the job to another profile.
    expect(c.nodeSelector).toBeUndefined();
  });

  it("single strategy: nvidia.com/gpu plus the product selector and the profile's tolerations", () => {
    const c = buildBatchJob(input({ gpu: single })).spec!.template.spec!;
    expect(c.containers[0]!.resources!.limits!["nvidia.com/gpu"]).toBe("1");
    expect(c.nodeSelector).toEqual({ "nvidia.com/gpu.product": "NVIDIA-A100-80GB-PCIe" });
    expect(c.tolerations).toEqual([{ key: "nvidia.com/gpu", operator: "Exists", effect: "PreferNoSchedule" }]);
  });

  it("CPU only: no extended resource", () => {
    const c = buildBatchJob(input({ gpu: null })).spec!.template.spec!;
    expect(Object.keys(c.containers[0]!.resources!.limits!)).toEqual(["cpu", "memory"]);
  });

  it("offload: the interLink virtual node's toleration and selector", () => {
    const c = buildBatchJob(input({ gpu: null, target: "offload" })).spec!.template.spec!;
    expect(c.nodeSelector).toEqual({ "virtual-node.interlink/type": "virtual-kubelet" });
    expect(c.tolerations).toEqual([{ key: "virtual-node.interlink/no-schedule", operator: "Exists", effect: "NoSchedule" }]);
  });

  it("falls back to the session's working directory", () => {
    expect(buildBatchJob(input({ workingDir: null })).spec!.template.spec!.containers[0]!.workingDir).toBe("/home/alice");
  });

  it("rejects bad trials and inconsistent profiles", () => {
    expect(() => buildBatchJob(input({ trials: 0 }))).toThrow(/trials/);
    expect(() => buildBatchJob(input({ gpu: { ...single, nodeSelector: {} } }))).toThrow(/gpu.product/);
  });

  it("never copies service-account projections, secret volumes or secret env", () => {
    const pod: V1Pod = structuredClone(sessionPod);
    pod.spec!.volumes!.push({ name: "kube-api-access", projected: { sources: [] } }, { name: "creds", secret: { secretName: "x" } });
    pod.spec!.containers[0]!.volumeMounts!.push({ name: "kube-api-access", mountPath: "/var/run/secrets" }, { name: "creds", mountPath: "/creds" });
    pod.spec!.containers[0]!.env!.push({ name: "S3", valueFrom: { secretKeyRef: { name: "s", key: "k" } } }, { name: "HF_TOKEN", value: "x" });
    const base = jobBaseFromPod(pod);
    expect(base.volumes.map((v) => v.name)).not.toContain("kube-api-access");
    expect(base.volumeMounts.map((v) => v.name)).not.toContain("creds");
    expect(base.env.map((e) => e.name)).not.toContain("S3");
    expect(isSessionOnlyEnv("HF_TOKEN")).toBe(true);
    expect(isSessionOnlyEnv("HOME")).toBe(false);
  });

  it("names are stable DNS labels short enough for Kueue's workload name", () => {
    const n = jobK8sName("7E0F9D1C-AAAA-4BBB-8CCC-DDDDEEEEFFFF");
    expect(n).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(`job-${n}-abcde`.length).toBeLessThanOrEqual(63);
  });
});
