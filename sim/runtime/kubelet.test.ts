import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { KubeObject } from "../store/types";
import { deviceAssignments, gpuDevices } from "./devices";
import { condition, events, history, pod, startTestSim, waitFor, type TestSim } from "./test-sim";

// A tiny local program standing in for a mapped image: an HTTP server on the pod IP that ignores SIGTERM.
const program = `
const http = require("node:http");
process.on("SIGTERM", () => console.log("ignoring SIGTERM"));
http.createServer((q, s) => s.end("hello from " + process.env.POD_NAME + " cwd-ok " + process.argv[1])).listen(Number(process.env.CONTAINER_PORT), process.env.POD_IP, () => console.log("listening on " + process.env.POD_IP));
`;
const topology = `
defaultPullMs: 100
images:
  - match: "local/server:*"
    program: { command: ${JSON.stringify([process.execPath, "-e", program, "$(GREETING)"])} }
  - match: "registry.invalid/*"
    missing: true
  - match: "slow/*"
    pullMs: 3000
nodes:
  - name: gpu
    cpu: "32"
    memory: 64Gi
    gpus: [{ model: Tesla-T4, count: 2 }]
`;

let sim: TestSim;
afterEach(async () => sim?.stop());
const get = (name: string) => sim.store.get("pods", "default", name);
const running = (name: string) => waitFor(sim.store, () => get(name)?.status?.phase === "Running" && get(name), `${name} running`);

describe("kubelet", () => {
  it("runs a mapped image as a local process on the pod IP; SIGTERM, grace period, SIGKILL, removal", async () => {
    sim = await startTestSim(topology, 10);
    sim.store.create("pods", pod("proc", {
      terminationGracePeriodSeconds: 3,
      containers: [{ name: "srv", image: "local/server:1", ports: [{ containerPort: 8080 }], env: [{ name: "GREETING", value: "hi" }], readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 } }],
    }));
    const p = await waitFor(sim.store, () => condition(get("proc"), "Ready")?.status === "True" && get("proc"), "proc ready");
    expect(p.status.podIP).toMatch(/^127\.(?!0\.0\.1$)\d+\.\d+\.\d+$/);
    expect(p.status.hostIP).toBe("127.0.1.1");
    const body = await (await fetch(`http://${p.status.podIP}:8080/`)).text();
    expect(body).toBe("hello from proc cwd-ok hi");
    expect(sim.logs.read("default", "proc", "srv")).toContain(`listening on ${p.status.podIP}`);

    let last: KubeObject | undefined;
    const unwatch = sim.store.watch("pods", (ev) => {
      if (ev.type === "DELETED" && ev.object.metadata.name === "proc") last = ev.object;
    });
    sim.store.delete("pods", "default", "proc");
    await waitFor(sim.store, () => last, "proc removed after SIGKILL");
    unwatch();
    expect(last!.status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 137, reason: "Error" });
    expect(events(sim.store, "proc")).toContain("Killing: Stopping container srv");
  });

  it("serves the session stub on the pod IP with base URL, token and WebSocket echo", async () => {
    sim = await startTestSim(topology, 10);
    const base = "/user/alice/s1/";
    sim.store.create("pods", pod("stub", {
      containers: [{
        name: "notebook", image: "quay.io/jupyter/scipy-notebook:2024-10-01", ports: [{ containerPort: 8888 }],
        env: [{ name: "JUPYTERHUB_SERVICE_PREFIX", value: base }, { name: "AI_HUB_SESSION_TOKEN", value: "s3cret" }],
        readinessProbe: { httpGet: { path: `${base}api`, port: 8888 }, periodSeconds: 1 },
      }],
    }));
    const p = await waitFor(sim.store, () => condition(get("stub"), "Ready")?.status === "True" && get("stub"), "stub ready");
    const url = `http://${p.status.podIP}:8888${base}`;
    expect((await fetch(url)).status).toBe(403);
    const page = await fetch(url, { headers: { authorization: "token s3cret" } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("default/stub");
    const status = await (await fetch(`${url}api/status?token=s3cret`)).json();
    expect(status).toMatchObject({ pod: "stub", namespace: "default", node: "gpu" });
    const ws = new WebSocket(`ws://${p.status.podIP}:8888${base}api/kernels/k1/channels`, { headers: { authorization: "Bearer s3cret" } });
    const echoed = await new Promise<string>((resolve, reject) => {
      ws.on("open", () => ws.send("ping"));
      ws.on("message", (d) => resolve(String(d)));
      ws.on("error", reject);
    });
    ws.close();
    expect(echoed).toBe("ping");
    expect(events(sim.store, "stub")).toEqual(expect.arrayContaining([`Pulling: Pulling image "quay.io/jupyter/scipy-notebook:2024-10-01"`, "Created: Created container: notebook", "Started: Started container notebook"]));
  });

  it("serves the stub in code-server's shape for a code-server container: at the root, /healthz, no token", async () => {
    sim = await startTestSim(topology, 10);
    sim.store.create("pods", pod("vscode", {
      containers: [{
        name: "notebook", image: "codercom/code-server:4", command: ["code-server"], args: ["--bind-addr=0.0.0.0:8888", "--auth=none"], ports: [{ containerPort: 8888 }],
        env: [{ name: "JUPYTERHUB_SERVICE_PREFIX", value: "/user/alice/code/" }, { name: "AI_HUB_SESSION_TOKEN", value: "s3cret" }],
        readinessProbe: { httpGet: { path: "/healthz", port: 8888 }, periodSeconds: 1 },
      }],
    }));
    const p = await waitFor(sim.store, () => condition(get("vscode"), "Ready")?.status === "True" && get("vscode"), "code-server stub ready");
    const root = await fetch(`http://${p.status.podIP}:8888/`);
    expect(root.status).toBe(200);
    expect(await root.text()).toContain("default/vscode");
    // Like code-server, it knows nothing of the prefix: the proxy must strip it.
    expect((await fetch(`http://${p.status.podIP}:8888/user/alice/code/`)).status).toBe(404);
  });

  it("keeps Ready false while the readiness probe fails", async () => {
    sim = await startTestSim(topology, 10);
    sim.store.create("pods", pod("unready", { containers: [{ name: "c", image: "nginx:1", readinessProbe: { tcpSocket: { port: 9999 }, periodSeconds: 1, failureThreshold: 1 } }] }));
    await waitFor(sim.store, () => events(sim.store, "unready").some((e) => e.startsWith("Unhealthy: Readiness probe failed")), "Unhealthy event");
    const p = get("unready")!;
    expect(p.status.phase).toBe("Running");
    expect(condition(p, "Ready")).toMatchObject({ status: "False", reason: "ContainersNotReady", message: "containers with unready status: [c]" });
    expect(p.status.containerStatuses[0]).toMatchObject({ ready: false, started: true });
  });

  it("runs init containers to completion before the main containers; a failed init fails a Never pod", async () => {
    sim = await startTestSim(topology, 100);
    const script = (s: string) => ({ image: "busybox:1", command: ["sh", "-c", s] });
    sim.store.create("pods", pod("init-ok", {
      restartPolicy: "Never",
      initContainers: [{ name: "setup", ...script("echo preparing; sleep 1") }, { name: "sidecar", restartPolicy: "Always", ...script("sleep 3600") }],
      containers: [{ name: "main", ...script("echo main; sleep 1") }],
    }));
    sim.store.create("pods", pod("init-bad", { restartPolicy: "Never", initContainers: [{ name: "setup", ...script("exit 4") }], containers: [{ name: "main", ...script("echo never") }] }));
    const seen = history(sim.store, "pods", "init-ok");
    const ok = await waitFor(sim.store, () => get("init-ok")?.status?.phase === "Succeeded" && get("init-ok"));
    seen.stop();
    expect(ok.status.initContainerStatuses[0]).toMatchObject({ name: "setup", ready: true, state: { terminated: { exitCode: 0, reason: "Completed" } } });
    expect(seen.versions.some((v) => condition(v, "Initialized")?.reason === "ContainersNotInitialized" && v.status.containerStatuses?.[0]?.state?.waiting?.reason === "PodInitializing")).toBe(true);
    expect(sim.logs.read("default", "init-ok", "setup")).toBe("preparing\n");
    // The sidecar ran alongside main and was stopped when the pod ended, without restarting.
    expect(seen.versions.some((v) => v.status.initContainerStatuses?.[1]?.state?.running)).toBe(true);
    await waitFor(sim.store, () => get("init-ok")?.status.initContainerStatuses?.[1]?.state?.terminated, "sidecar stopped");
    expect(get("init-ok")!.status.initContainerStatuses[1].restartCount).toBe(0);
    const bad = await waitFor(sim.store, () => get("init-bad")?.status?.phase === "Failed" && get("init-bad"));
    expect(bad.status.initContainerStatuses[0].state.terminated.exitCode).toBe(4);
    expect(bad.status.containerStatuses[0].state.waiting.reason).toBe("PodInitializing");
  });

  it("starts the main container only once a slow-pulling sidecar runs, and stops that sidecar when the pod ends", async () => {
    sim = await startTestSim(topology, 100);
    sim.store.create("pods", pod("slow-sidecar", {
      restartPolicy: "Never",
      initContainers: [{ name: "proxy", restartPolicy: "Always", image: "slow/proxy:1", command: ["sh", "-c", "sleep 3600"] }],
      containers: [{ name: "main", image: "busybox:1", command: ["sh", "-c", "echo done"] }],
    }));
    const p = await waitFor(sim.store, () => {
      const cur = get("slow-sidecar");
      return cur?.status?.phase === "Succeeded" && cur.status.initContainerStatuses?.[0]?.state?.terminated && cur;
    }, "pod ended and sidecar stopped");
    const sidecarStarted = Date.parse(p.status.initContainerStatuses[0].state.terminated.startedAt);
    const mainStarted = Date.parse(p.status.containerStatuses[0].state.terminated.startedAt);
    expect(mainStarted).toBeGreaterThanOrEqual(sidecarStarted);
    expect(p.status.initContainerStatuses[0].restartCount).toBe(0);
  });

  it("fails a pod that outlives spec.activeDeadlineSeconds", async () => {
    sim = await startTestSim(topology, 100);
    sim.store.create("pods", pod("deadline", { activeDeadlineSeconds: 2, terminationGracePeriodSeconds: 1, containers: [{ name: "c", image: "busybox:1", command: ["sh", "-c", "sleep 3600"] }] }));
    const p = await waitFor(sim.store, () => get("deadline")?.status?.phase === "Failed" && get("deadline"));
    expect(p.status).toMatchObject({ reason: "DeadlineExceeded", message: "Pod was active on the node longer than the specified deadline" });
    expect(p.status.containerStatuses[0].state.terminated.exitCode).toBe(143);
    expect(events(sim.store, "deadline")).toContain("DeadlineExceeded: Pod was active on the node longer than the specified deadline");
  });

  it("reports ErrImagePull then ImagePullBackOff for a missing image", async () => {
    sim = await startTestSim(topology, 100);
    sim.store.create("pods", pod("missing", { containers: [{ name: "c", image: "registry.invalid/nothing:1" }] }));
    const p = await waitFor(sim.store, () => get("missing")?.status?.containerStatuses?.[0]?.state?.waiting?.reason === "ImagePullBackOff" && get("missing"));
    expect(p.status.phase).toBe("Pending");
    expect(events(sim.store, "missing")).toEqual(expect.arrayContaining(["Failed: Error: ErrImagePull", 'BackOff: Back-off pulling image "registry.invalid/nothing:1"', "Failed: Error: ImagePullBackOff"]));
  });

  it("interprets scripts: logs, exit codes, restartPolicy and CrashLoopBackOff, GPU devices and busy", async () => {
    sim = await startTestSim(topology, 100);
    sim.store.create("pods", pod("fail", {
      restartPolicy: "Never",
      containers: [{ name: "c", image: "busybox:1", command: ["sh", "-c"], args: ["echo hello $POD_NAME # comment\nfrobnicate; exit 7"], env: [{ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }] }],
    }));
    const failed = await waitFor(sim.store, () => get("fail")?.status?.phase === "Failed" && get("fail"));
    expect(failed.status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 7, reason: "Error" });
    expect(sim.logs.read("default", "fail", "c")).toContain("hello fail\n");
    expect(sim.logs.read("default", "fail", "c")).toContain("frobnicate: not supported");

    sim.store.create("pods", pod("crash", { restartPolicy: "OnFailure", containers: [{ name: "c", image: "busybox:1", command: ["bash", "-c", "exit 2"] }] }));
    const crash = await waitFor(sim.store, () => get("crash")?.status?.containerStatuses?.[0]?.state?.waiting?.reason === "CrashLoopBackOff" && get("crash"));
    expect(crash.status.containerStatuses[0]).toMatchObject({ lastState: { terminated: { exitCode: 2, reason: "Error" } } });
    expect(crash.status.containerStatuses[0].restartCount).toBeGreaterThanOrEqual(1);

    sim.store.create("pods", pod("train", { containers: [{ name: "c", image: "busybox:1", command: ["sh", "-c", "echo gpus=$NVIDIA_VISIBLE_DEVICES; busy 3600"], resources: { limits: { "nvidia.com/gpu": "1" } } }] }));
    await running("train");
    const a = await waitFor(sim.store, () => deviceAssignments(sim.store).find((d) => d.pod.name === "train" && d.busy > 0.9), "busy GPU");
    expect(a).toMatchObject({ node: "gpu", container: "c", model: "Tesla-T4" });
    expect(gpuDevices(sim.store).map((d) => d.resource)).toEqual(["nvidia.com/gpu", "nvidia.com/gpu"]);
    await waitFor(sim.store, () => sim.logs.read("default", "train", "c").includes(`gpus=${a.uuid}`), "NVIDIA_VISIBLE_DEVICES in the log");
  });
});
