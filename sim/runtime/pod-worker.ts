import type { KubeObject, PodLogs, SimClock, Store } from "../store/types";
import type { SimLogger } from "../log";
import type { NodeSpec, Topology } from "../topology/types";
import type { DeviceAllocator } from "./devices";
import { ContainerConfigError, containerEnv, type ContainerSpec } from "./env";
import { recordEvent } from "./events";
import { newContainerState, podPhase, type ContainerState } from "./container-state";
import { renderPodStatus } from "./pod-status";
import { startContainer } from "./container-runner";
import type { PodIPPool } from "./pod-ip";
import { startReadinessProbe } from "./probes";
import { matchImage, pullImage } from "./image-pull";

export interface KubeletDeps {
  store: Store;
  logs: PodLogs;
  clock: SimClock;
  log: SimLogger;
  topology: Topology;
  ips: PodIPPool;
  devices: DeviceAllocator;
  /** Images already pulled, per node. */
  pulled: Map<string, Set<string>>;
}

const component = "kubelet";
const maxBackoffMs = 300_000;

/** Runs one pod bound to a node: sandbox (IP, devices), image pulls, containers, restarts, probes, termination. */
export class PodWorker {
  private readonly cs: ContainerState[];
  private readonly init: ContainerState[];
  private initialized = false;
  private initFailed = false;
  /** Succeeded or Failed: nothing restarts any more (sidecars included). */
  private ended = false;
  private failure?: { reason: string; message: string };
  private stopDeadline: () => void = () => {};
  private ip?: string;
  private terminating = false;
  private finished = false;
  private readonly sleepers = new Set<() => void>();
  private flushQueued = false;
  private seq = 0;

  constructor(private pod: KubeObject, private readonly node: NodeSpec | undefined, private readonly d: KubeletDeps) {
    this.cs = ((pod.spec?.containers ?? []) as ContainerSpec[]).map(newContainerState);
    this.init = ((pod.spec?.initContainers ?? []) as ContainerSpec[]).map(newContainerState);
    if (this.init.length) for (const c of this.cs) c.state = { waiting: { reason: "PodInitializing" } };
  }

  private all() { return [...this.init, ...this.cs]; }
  private phase() {
    if (this.initFailed || this.failure) return "Failed";
    return this.initialized ? podPhase(this.cs) : "Pending";
  }
  private get ns() { return this.pod.metadata.namespace!; }
  private get name() { return this.pod.metadata.name!; }
  private now() { return new Date(this.d.clock.now()).toISOString(); }
  private event(type: "Normal" | "Warning", reason: string, message: string, c?: ContainerState) {
    recordEvent(this.d.store, this.d.clock, this.pod, type, reason, message, component, c ? `spec.containers{${c.spec.name}}` : undefined);
  }

  /** Sleeps simulated ms; false if the pod started terminating meanwhile. */
  private sleep(ms: number): Promise<boolean> {
    if (this.terminating) return Promise.resolve(false);
    return new Promise((resolve) => {
      const wake = () => {
        this.sleepers.delete(wake);
        cancel();
        resolve(false);
      };
      const cancel = this.d.clock.after(ms, () => {
        this.sleepers.delete(wake);
        resolve(true);
      });
      this.sleepers.add(wake);
    });
  }

  update(pod: KubeObject) {
    this.pod = pod;
    if (pod.metadata.deletionTimestamp) void this.terminate();
  }

  async start() {
    const latency = this.node?.virtual?.startLatencyMs ?? 0;
    if (latency && !(await this.sleep(latency))) return;
    if (this.terminating) return;
    this.ip = this.d.ips.allocate();
    const deadline = this.pod.spec.activeDeadlineSeconds as number | undefined;
    if (deadline) {
      const started = Date.parse(this.pod.status?.startTime ?? "") || this.d.clock.now();
      this.stopDeadline = this.d.clock.after(started + deadline * 1000 - this.d.clock.now(), () => void this.deadlineExceeded());
    }
    const assigned = this.d.devices.allocate(this.pod, this.pod.spec.nodeName);
    this.flush();
    // Init containers run one after the other to completion; sidecars (restartPolicy Always) keep
    // running, and, as the kubelet does, the next container starts only once the sidecar has started
    // (otherwise a short main container could end the pod before the sidecar exists to be stopped).
    for (const c of this.init) {
      const gpus = assigned.get(c.spec.name) ?? [];
      if ((c.spec as { restartPolicy?: string }).restartPolicy === "Always") {
        let started = () => {};
        const up = new Promise<boolean>((r) => (started = () => r(true)));
        if (!(await Promise.race([up, this.runContainer(c, gpus, "sidecar", started)]))) return;
      } else if (!(await this.runContainer(c, gpus, "init"))) return;
    }
    this.initialized = true;
    this.flush();
    await Promise.all(this.cs.map((c) => this.runContainer(c, assigned.get(c.spec.name) ?? [], "main")));
  }

  /** Runs a container through restarts; resolves true when an init container completed. */
  private async runContainer(c: ContainerState, gpus: { uuid: string; migUuid?: string }[], kind: "init" | "sidecar" | "main", onStarted?: () => void): Promise<boolean> {
    let backoff = 10_000;
    while (!this.terminating && !this.ended) {
      const nodeName = this.pod.spec.nodeName as string;
      const cache = this.d.pulled.get(nodeName) ?? new Set<string>();
      this.d.pulled.set(nodeName, cache);
      const pulled = await pullImage(c, { topology: this.d.topology, cache, event: (t, r, m) => this.event(t, r, m, c), sleep: (ms) => this.sleep(ms), flush: () => this.flush() });
      if (!pulled) return false;
      let env: Record<string, string>;
      try {
        env = { HOSTNAME: this.pod.spec.hostname ?? this.name, ...containerEnv(this.d.store, { ...this.pod, status: { ...this.pod.status, podIP: this.ip, hostIP: this.hostIP() } }, c.spec) };
      } catch (e) {
        if (!(e instanceof ContainerConfigError)) throw e;
        c.state = { waiting: { reason: "CreateContainerConfigError", message: e.message } };
        this.event("Warning", "Failed", `Error: ${e.message}`, c);
        this.flush();
        if (!(await this.sleep(backoff))) return false;
        backoff = Math.min(backoff * 2, maxBackoffMs);
        continue;
      }
      if (gpus.length) env.NVIDIA_VISIBLE_DEVICES = gpus.map((g) => g.migUuid ?? g.uuid).join(",");
      c.containerID = `containerd://${this.pod.metadata.uid?.replace(/-/g, "") ?? ""}${(this.seq++).toString(16).padStart(8, "0")}`;
      this.event("Normal", "Created", `Created container: ${c.spec.name}`, c);
      const write = (text: string) => this.d.logs.append(this.ns, this.name, c.spec.name, text);
      const run = await startContainer({
        container: c.spec, image: matchImage(this.d.topology, c.spec.image ?? ""), env, podIP: this.ip!, clock: this.d.clock,
        pod: { namespace: this.ns, name: this.name, node: this.pod.spec.nodeName }, stdout: write, stderr: write,
        busy: (ms) => this.d.devices.setBusy(this.ns, this.name, ms),
      });
      if (this.terminating || this.ended) {
        // Deleted (or the pod ended) while the container was starting: it never counts as running.
        run.kill();
        return false;
      }
      c.run = run;
      c.state = { running: { startedAt: this.now() } };
      c.started = c.everStarted = true;
      c.ready = !c.spec.readinessProbe;
      this.event("Normal", "Started", `Started container ${c.spec.name}`, c);
      onStarted?.();
      if (c.spec.readinessProbe) {
        let warned = false;
        c.stopProbe = startReadinessProbe(c.spec.readinessProbe, c.spec, this.ip!, this.d.clock, (ready, detail) => {
          if (!ready && !warned) this.event("Warning", "Unhealthy", detail, c);
          warned = !ready;
          if (c.ready !== ready) {
            c.ready = ready;
            this.flush();
          }
        });
      }
      this.flush();
      const exit = await run.exited;
      c.stopProbe?.();
      c.run = undefined;
      const startedAt = (c.state.running as { startedAt?: string } | undefined)?.startedAt;
      c.lastExit = exit;
      c.state = { terminated: { exitCode: exit.exitCode, reason: exit.reason, ...(exit.message ? { message: exit.message } : {}), startedAt, finishedAt: this.now(), containerID: c.containerID } };
      c.ready = false;
      c.started = false;
      if (this.ended) this.flush(); // a sidecar stopped because the pod ended
      if (this.terminating || this.ended) return false;
      const policy = this.pod.spec.restartPolicy ?? "Always";
      if (kind === "init" && exit.exitCode === 0) {
        c.done = true;
        c.ready = true;
        this.flush();
        return true;
      }
      const finished = kind === "init" ? policy === "Never" : kind === "main" && (policy === "Never" || (policy === "OnFailure" && exit.exitCode === 0));
      if (finished) {
        c.done = true;
        if (kind === "init") this.initFailed = true;
        this.flush();
        const phase = this.phase();
        if (phase === "Succeeded" || phase === "Failed") this.podEnded();
        return false;
      }
      c.lastState = c.state;
      c.restartCount++;
      const msg = `back-off ${Math.round(backoff / 1000)}s restarting failed container=${c.spec.name} pod=${this.name}_${this.ns}(${this.pod.metadata.uid})`;
      c.state = { waiting: { reason: "CrashLoopBackOff", message: msg } };
      this.event("Warning", "BackOff", `Back-off restarting failed container ${c.spec.name} in pod ${this.name}_${this.ns}(${this.pod.metadata.uid})`, c);
      this.flush();
      if (!(await this.sleep(backoff))) return false;
      backoff = Math.min(backoff * 2, maxBackoffMs);
    }
    return false;
  }

  /** The pod reached Succeeded/Failed: sidecars stop, and the IP and devices are free again. */
  private podEnded() {
    this.ended = true;
    for (const c of this.init) c.run?.kill();
    this.releaseResources();
  }

  private cachedHostIP?: string;
  private hostIP(): string | undefined {
    if (this.cachedHostIP) return this.cachedHostIP;
    const node = this.d.store.getRaw("nodes", undefined, this.pod.spec.nodeName);
    this.cachedHostIP = (node?.status?.addresses as { type: string; address: string }[] | undefined)?.find((a) => a.type === "InternalIP")?.address;
    return this.cachedHostIP;
  }

  private releaseResources() {
    this.stopDeadline();
    if (this.ip) this.d.ips.release(this.ip);
    this.d.devices.release(this.ns, this.name);
    for (const c of this.all()) this.d.logs.end(this.ns, this.name, c.spec.name);
  }

  /** Graceful termination: SIGTERM, wait the grace period (simulated), SIGKILL, final status, then removal. */
  async terminate() {
    if (this.terminating) return;
    this.terminating = true;
    for (const wake of [...this.sleepers]) wake();
    const graceS = this.pod.metadata.deletionGracePeriodSeconds ?? this.pod.spec.terminationGracePeriodSeconds ?? 30;
    const running = this.all().filter((c) => c.run);
    for (const c of running) {
      this.event("Normal", "Killing", `Stopping container ${c.spec.name}`, c);
      c.run!.stop();
    }
    if (running.length) {
      let cancel = () => {};
      const graceOver = new Promise<void>((r) => (cancel = this.d.clock.after(graceS * 1000, r)));
      const all = Promise.all(running.map((c) => c.run!.exited));
      await Promise.race([all, graceOver]);
      cancel();
      for (const c of running) c.run?.kill();
      await all;
      // Give the per-container loops a turn to record the exit.
      await new Promise((r) => setImmediate(r));
    }
    for (const c of this.all()) {
      c.stopProbe?.();
      if (!c.lastExit && !("terminated" in c.state)) c.state = { terminated: { exitCode: 137, reason: "ContainerStatusUnknown", message: "The container could not be located when the pod was terminated", finishedAt: this.now() } };
      c.done = true;
      c.lastExit ??= { exitCode: 137, reason: "Error" };
    }
    this.writeStatus();
    this.releaseResources();
    this.finished = true;
    this.d.store.finalizeDelete("pods", this.ns, this.name);
    this.d.logs.remove(this.ns, this.name);
  }

  /** The pod object vanished (force deletion): kill everything now. */
  abort() {
    this.terminating = true;
    for (const wake of [...this.sleepers]) wake();
    for (const c of this.all()) {
      c.stopProbe?.();
      c.run?.kill();
    }
    if (!this.finished) this.releaseResources();
    this.finished = true;
  }

  /** Status writes are coalesced: at most one per turn of the event loop. */
  private flush() {
    if (this.flushQueued || this.finished) return;
    this.flushQueued = true;
    setImmediate(() => {
      this.flushQueued = false;
      if (!this.finished) this.writeStatus();
    });
  }

  private writeStatus() {
    const input = { phase: this.phase(), ip: this.ip, hostIP: this.hostIP(), now: this.now(), containers: this.cs, init: this.init, failure: this.failure };
    try {
      this.d.store.mutate("pods", this.ns, this.name, (p) => renderPodStatus((p.status ??= {}), input), { subresource: "status" });
    } catch (e) {
      this.d.log.debug("pod status update failed", { pod: `${this.ns}/${this.name}`, error: (e as Error).message });
    }
  }

  /** spec.activeDeadlineSeconds ran out: stop every container (grace period, then SIGKILL) and fail the pod. */
  private async deadlineExceeded() {
    if (this.ended || this.terminating) return;
    this.failure = { reason: "DeadlineExceeded", message: "Pod was active on the node longer than the specified deadline" };
    this.ended = true;
    for (const wake of [...this.sleepers]) wake();
    this.event("Warning", "DeadlineExceeded", this.failure.message);
    const running = this.all().filter((c) => c.run);
    for (const c of running) {
      this.event("Normal", "Killing", `Stopping container ${c.spec.name}`, c);
      c.run!.stop();
    }
    let cancel = () => {};
    const graceOver = new Promise<void>((r) => (cancel = this.d.clock.after((this.pod.spec.terminationGracePeriodSeconds ?? 30) * 1000, r)));
    await Promise.race([Promise.all(running.map((c) => c.run!.exited)), graceOver]);
    cancel();
    for (const c of running) c.run?.kill();
    for (const c of this.all()) c.done = true;
    this.flush();
    this.releaseResources();
  }
}
