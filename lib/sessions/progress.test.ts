import { describe, it, expect } from "vitest";
import type { V1Pod } from "@kubernetes/client-node";
import { observeSession, podNeedsLogs, type ProgressInput } from "@/lib/sessions/progress";

const t0 = new Date("2026-01-01T10:00:00Z");
const at = (s: number) => new Date(t0.getTime() + s * 1000);

function input(pod: V1Pod | null, over: Partial<ProgressInput> = {}): ProgressInput {
  return {
    now: at(5),
    createdAt: t0,
    pod,
    podGone: false,
    stopRequested: false,
    workload: null,
    queuePosition: null,
    admissionTimeoutMs: 600_000,
    unschedulableGraceMs: 20_000,
    url: "/user/alice/s1/",
    ...over,
  };
}

const gated: V1Pod = { metadata: { name: "p" }, spec: { containers: [], schedulingGates: [{ name: "kueue.x-k8s.io/admission" }] }, status: { phase: "Pending" } };
const admitted: V1Pod = { metadata: { name: "p" }, spec: { containers: [] }, status: { phase: "Pending" } };
const onNode = (status: V1Pod["status"]): V1Pod => ({ metadata: { name: "p" }, spec: { containers: [], nodeName: "gpu-1" }, status });

describe("observeSession", () => {
  it("no pod yet: requested", () => {
    expect(observeSession(input(null))).toMatchObject({ state: "requested", event: { progress: 5 } });
  });

  it("gated by Kueue: queued with the 1-based position and Kueue's reason", () => {
    const o = observeSession(
      input(gated, {
        queuePosition: 2,
        workload: { metadata: {}, status: { conditions: [{ type: "QuotaReserved", status: "False", message: "insufficient unused quota for nvidia.com/mig-1g.10gb" }] } },
      }),
    );
    expect(o.state).toBe("queued");
    expect(o.event.message).toContain("number 3 in the queue");
    expect(o.event.message).toContain("insufficient unused quota");
    expect(o.event.failed).toBeUndefined();
  });

  it("gated beyond the admission timeout: failed", () => {
    const o = observeSession(input(gated, { now: at(601) }));
    expect(o.state).toBe("failed");
    expect(o.event).toMatchObject({ failed: true, progress: 100 });
    expect(o.reason).toBe("AdmissionTimeout");
  });

  it("admitted, not yet scheduled: starting at 30", () => {
    const o = observeSession(input(admitted, { workload: { metadata: {}, status: { admission: { clusterQueue: "interactive" } } } }));
    expect(o).toMatchObject({ state: "starting", event: { progress: 30 } });
    expect(o.event.message).toContain("interactive");
  });

  it("unschedulable: warning within the grace, then failed with the scheduler's message", () => {
    const pod: V1Pod = {
      ...admitted,
      status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/7 nodes are available: 7 Insufficient nvidia.com/mig-3g.40gb.", lastTransitionTime: at(0) }] },
    };
    expect(observeSession(input(pod, { now: at(10) }))).toMatchObject({ state: "starting", level: "warning" });
    const o = observeSession(input(pod, { now: at(21) }));
    expect(o.state).toBe("failed");
    expect(o.event.message).toContain("7 Insufficient nvidia.com/mig-3g.40gb");
  });

  it("scheduled and creating the container: pulling", () => {
    const o = observeSession(input(onNode({ phase: "Pending", containerStatuses: [{ name: "c", image: "img", imageID: "", ready: false, restartCount: 0, state: { waiting: { reason: "ContainerCreating" } } }] })));
    expect(o).toMatchObject({ state: "starting", node: "gpu-1", event: { progress: 55 } });
  });

  it("image pull failure: failed with the reason", () => {
    const o = observeSession(input(onNode({ phase: "Pending", containerStatuses: [{ name: "c", image: "registry.invalid/x", imageID: "", ready: false, restartCount: 0, state: { waiting: { reason: "ErrImagePull", message: "not found" } } }] })));
    expect(o.state).toBe("failed");
    expect(o.reason).toBe("ErrImagePull");
    expect(o.event.message).toContain("registry.invalid/x");
  });

  it("crash: failed with exit code and the last log lines", () => {
    const pod = onNode({ phase: "Failed", containerStatuses: [{ name: "c", image: "i", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode: 3, reason: "Error" } } }] });
    expect(podNeedsLogs(pod)).toBe(true);
    const o = observeSession(input(pod, { lastLogLines: ["Traceback", "ModuleNotFoundError: foo"] }));
    expect(o.state).toBe("failed");
    expect(o.event.message).toContain("exit code 3");
    expect(o.event.message).toContain("ModuleNotFoundError: foo");
  });

  it("running but not ready: 80; ready: 100 with ready and url", () => {
    const running = onNode({ phase: "Running", podIP: "127.0.0.9", containerStatuses: [{ name: "c", image: "i", imageID: "", ready: false, restartCount: 0, state: { running: {} } }] });
    expect(observeSession(input(running))).toMatchObject({ state: "starting", podIp: "127.0.0.9", event: { progress: 80 } });
    const ready = onNode({ phase: "Running", podIP: "127.0.0.9", containerStatuses: [{ name: "c", image: "i", imageID: "", ready: true, restartCount: 0, state: { running: {} } }] });
    expect(observeSession(input(ready))).toMatchObject({ state: "ready", event: { progress: 100, ready: true, url: "/user/alice/s1/" } });
  });

  it("pod gone: stopped, with a different reason when AI Hub did not ask", () => {
    expect(observeSession(input(null, { podGone: true, stopRequested: true }))).toMatchObject({ state: "stopped", reason: "Stopped" });
    const o = observeSession(input(null, { podGone: true }));
    expect(o.state).toBe("stopped");
    expect(o.reason).toContain("outside AI Hub");
  });

  it("deleting: stopping", () => {
    expect(observeSession(input({ ...admitted, metadata: { name: "p", deletionTimestamp: at(1) } })).state).toBe("stopping");
  });
});
