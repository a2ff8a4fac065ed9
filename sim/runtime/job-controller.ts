import type { KubeObject, SimContext, SimPart } from "../store/types";
import { recordEvent, setCondition } from "./events";
import { formatIndexes, indexKey, matchPodFailurePolicy, parseIndexes, podFromTemplate } from "./job-policy";
import { isTerminal, podKey } from "./pod-resources";
import { deepCopy } from "../store/copy";

interface JobState {
  pods: Map<string, KubeObject>;
  /** Terminal pods already counted (by uid), and pods whose failure does not count (suspension, Ignore). */
  counted: Set<string>;
  ignored: Set<string>;
  succeeded: number;
  failed: number;
  indexes: Set<number>;
  failureTarget?: { reason: string; message: string };
  lastFailureMs: number;
  timers: (() => void)[];
}

const component = "job-controller";

/** batch/v1 Job controller (finalizer-free): creates pods, counts outcomes, writes status and conditions as Kubernetes 1.31+ does. */
export function startJobController(ctx: SimContext): SimPart {
  const { store, clock, log } = ctx;
  const jobs = new Map<string, JobState>(); // by job uid
  // Pods by controlling Job uid, kept from the pod watch (no store reads per sync); removed pods stay until counted.
  const podsByOwner = new Map<string, Map<string, KubeObject>>();
  const removed = new Set<string>(); // uids of pods no longer in the store
  const queued = new Set<string>();
  let stopped = false;
  const iso = () => new Date(clock.now()).toISOString();

  function state(job: KubeObject): JobState {
    let s = jobs.get(job.metadata.uid!);
    if (!s) {
      s = { pods: podsByOwner.get(job.metadata.uid!) ?? new Map(), counted: new Set(), ignored: new Set(), succeeded: job.status?.succeeded ?? 0, failed: job.status?.failed ?? 0, indexes: parseIndexes(job.status?.completedIndexes), lastFailureMs: 0, timers: [] };
      podsByOwner.set(job.metadata.uid!, s.pods);
      jobs.set(job.metadata.uid!, s);
      // Pods that ended before this controller saw the job are already in its status counters.
      for (const p of s.pods.values()) if (isTerminal(p)) s.counted.add(p.metadata.uid!);
    }
    return s;
  }
  const ownerUid = (p: KubeObject) => p.metadata.ownerReferences?.find((o) => o.controller && o.kind === "Job")?.uid;
  const finished = (job: KubeObject) => ((job.status?.conditions ?? []) as { type: string; status: string }[]).some((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True");

  function enqueue(ns: string, name: string) {
    const k = `${ns}/${name}`;
    if (queued.has(k) || stopped) return;
    queued.add(k);
    setImmediate(() => {
      queued.delete(k);
      if (stopped) return;
      // sync reads the Job and writes through store.mutate/create by name: the stored object, no copy.
      const job = store.getRaw("batch/jobs", ns, name);
      if (!job) return;
      try {
        sync(job);
      } catch (e) {
        log.debug("job sync failed", { job: k, error: (e as Error).message });
        clock.after(1000, () => enqueue(ns, name));
      }
    });
  }

  function deletePod(job: KubeObject, p: KubeObject, s: JobState, ignore: boolean) {
    if (p.metadata.deletionTimestamp) return;
    if (ignore) s.ignored.add(p.metadata.uid!);
    try {
      store.delete("pods", p.metadata.namespace, p.metadata.name!);
      recordEvent(store, clock, job, "Normal", "SuccessfulDelete", `Deleted pod: ${p.metadata.name}`, component);
    } catch { /* already gone */ }
  }

  function sync(job: KubeObject) {
    const s = state(job);
    const spec = job.spec;
    const indexed = spec.completionMode === "Indexed";
    for (const p of s.pods.values()) {
      const uid = p.metadata.uid!;
      const gone = removed.has(uid);
      if (s.counted.has(uid) || (!isTerminal(p) && !gone)) continue;
      s.counted.add(uid);
      if (p.status?.phase === "Succeeded") {
        const idx = Number(p.metadata.annotations?.[indexKey]);
        if (!indexed) s.succeeded++;
        else if (Number.isInteger(idx) && idx < spec.completions && !s.indexes.has(idx)) {
          s.indexes.add(idx);
          s.succeeded++;
        }
        continue;
      }
      if (s.ignored.has(uid)) continue;
      const outcome = matchPodFailurePolicy(job, p);
      if (outcome.action === "Ignore") continue;
      s.failed++;
      s.lastFailureMs = clock.now();
      if (outcome.action === "FailJob" && !s.failureTarget) s.failureTarget = { reason: "PodFailurePolicy", message: outcome.message! };
    }
    for (const [k, p] of s.pods) {
      if (!removed.has(p.metadata.uid!) || !s.counted.has(p.metadata.uid!)) continue;
      s.pods.delete(k);
      removed.delete(p.metadata.uid!);
    }

    const live = [...s.pods.values()].filter((p) => !isTerminal(p) && !removed.has(p.metadata.uid!));
    const active = live.filter((p) => !p.metadata.deletionTimestamp);
    const terminating = live.length - active.length;
    const status = deepCopy(job.status ?? {});
    const now = iso();

    if (finished(job)) return scheduleTtl(job, s);
    if (spec.suspend) {
      for (const p of active) deletePod(job, p, s, true);
      if (setCondition(status, "Suspended", "True", "JobSuspended", "Job suspended", now)) recordEvent(store, clock, job, "Normal", "Suspended", "Job suspended", component);
    } else {
      const wasSuspended = (status.conditions ?? []).some((c: { type: string; status: string }) => c.type === "Suspended" && c.status === "True");
      if (wasSuspended) {
        setCondition(status, "Suspended", "False", "JobResumed", "Job resumed", now);
        recordEvent(store, clock, job, "Normal", "Resumed", "Job resumed", component);
        status.startTime = now;
      }
      status.startTime ??= now;
      const deadline = spec.activeDeadlineSeconds;
      if (deadline && !s.failureTarget) {
        const left = Date.parse(status.startTime) + deadline * 1000 - clock.now();
        if (left <= 0) s.failureTarget = { reason: "DeadlineExceeded", message: "Job was active longer than specified deadline" };
        else s.timers.push(clock.after(left + 1, () => enqueue(job.metadata.namespace!, job.metadata.name!)));
      }
      if (!s.failureTarget && s.failed > (spec.backoffLimit ?? 6)) s.failureTarget = { reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" };
    }

    const completions: number | null = spec.completions ?? null;
    const succeededEnough = completions === null ? s.succeeded > 0 : s.succeeded >= completions;
    if (s.failureTarget) {
      setCondition(status, "FailureTarget", "True", s.failureTarget.reason, s.failureTarget.message, now);
      for (const p of active) deletePod(job, p, s, true);
      if (!live.length) {
        setCondition(status, "Failed", "True", s.failureTarget.reason, s.failureTarget.message, now);
        recordEvent(store, clock, job, "Warning", s.failureTarget.reason, s.failureTarget.message, component);
      }
    } else if (succeededEnough && !spec.suspend) {
      setCondition(status, "SuccessCriteriaMet", "True", "CompletionsReached", "Reached expected number of succeeded pods", now);
      for (const p of active) deletePod(job, p, s, true);
      if (!live.length) {
        setCondition(status, "Complete", "True", "CompletionsReached", "Reached expected number of succeeded pods", now);
        status.completionTime = now;
        recordEvent(store, clock, job, "Normal", "Completed", "Job completed", component);
      }
    } else if (!spec.suspend) {
      createPods(job, s, active);
    }
    const activeNow = [...s.pods.values()].filter((p) => !isTerminal(p) && !p.metadata.deletionTimestamp && !removed.has(p.metadata.uid!));
    status.active = activeNow.length;
    status.ready = activeNow.filter((p) => (p.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === "Ready" && c.status === "True")).length;
    status.terminating = terminating;
    status.succeeded = s.succeeded;
    status.failed = s.failed;
    if (indexed) status.completedIndexes = formatIndexes(s.indexes);
    status.uncountedTerminatedPods ??= {};
    for (const k of ["active", "succeeded", "failed"] as const) if (status[k] === 0 && job.status?.[k] === undefined) delete status[k];
    if (JSON.stringify(status) !== JSON.stringify(job.status ?? {})) {
      store.mutate("batch/jobs", job.metadata.namespace, job.metadata.name!, (j) => {
        j.status = status;
      }, { subresource: "status" });
    }
  }

  function createPods(job: KubeObject, s: JobState, active: KubeObject[]) {
    const spec = job.spec;
    const parallelism = spec.parallelism ?? 1;
    const completions: number | null = spec.completions ?? null;
    // Exponential back-off after failures before creating replacements (10s, doubling, capped at 6 minutes).
    if (s.failed > 0) {
      const wait = s.lastFailureMs + Math.min(10_000 * 2 ** (s.failed - 1), 360_000) - clock.now();
      if (wait > 0) {
        s.timers.push(clock.after(wait + 1, () => enqueue(job.metadata.namespace!, job.metadata.name!)));
        return;
      }
    }
    let toCreate: (number | undefined)[] = [];
    if (spec.completionMode === "Indexed") {
      const busy = new Set(active.map((p) => Number(p.metadata.annotations?.[indexKey])));
      const free = [];
      for (let i = 0; i < completions! && free.length < parallelism - active.length; i++) if (!s.indexes.has(i) && !busy.has(i)) free.push(i);
      toCreate = free;
    } else {
      const remaining = completions === null ? (s.succeeded > 0 ? 0 : parallelism) : completions - s.succeeded;
      toCreate = Array.from({ length: Math.max(0, Math.min(parallelism, remaining) - active.length) }, () => undefined);
    }
    for (const index of toCreate) {
      const created = store.create("pods", podFromTemplate(job, index));
      s.pods.set(podKey(created), created);
      recordEvent(store, clock, job, "Normal", "SuccessfulCreate", `Created pod: ${created.metadata.name}`, component);
    }
  }

  function scheduleTtl(job: KubeObject, s: JobState) {
    const ttl = job.spec.ttlSecondsAfterFinished;
    if (ttl === undefined || ttl === null) return;
    const done = ((job.status?.conditions ?? []) as { type: string; status: string; lastTransitionTime?: string }[]).find((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True");
    const left = Date.parse(done?.lastTransitionTime ?? iso()) + ttl * 1000 - clock.now();
    const del = () => {
      try {
        store.delete("batch/jobs", job.metadata.namespace, job.metadata.name!, { propagationPolicy: "Background", preconditions: { uid: job.metadata.uid } });
      } catch { /* already deleted */ }
    };
    if (left <= 0) del();
    else s.timers.push(clock.after(left, del));
  }

  const onJob = (type: string, job: KubeObject) => {
    if (type === "BOOKMARK") return;
    if (type === "DELETED") {
      const s = jobs.get(job.metadata.uid!);
      for (const t of s?.timers ?? []) t();
      jobs.delete(job.metadata.uid!);
      for (const p of podsByOwner.get(job.metadata.uid!)?.values() ?? []) removed.delete(p.metadata.uid!);
      podsByOwner.delete(job.metadata.uid!);
      return;
    }
    enqueue(job.metadata.namespace!, job.metadata.name!);
  };
  const onPod = (type: string, pod: KubeObject) => {
    const uid = ownerUid(pod);
    if (!uid || type === "BOOKMARK") return;
    const owner = pod.metadata.ownerReferences!.find((o) => o.uid === uid)!;
    let pods = podsByOwner.get(uid);
    if (!pods) podsByOwner.set(uid, (pods = new Map()));
    pods.set(podKey(pod), pod);
    if (type === "DELETED") removed.add(pod.metadata.uid!);
    enqueue(pod.metadata.namespace!, owner.name);
  };

  const unwatchJobs = store.watch("batch/jobs", (ev) => onJob(ev.type, ev.object), { raw: true });
  const unwatchPods = store.watch("pods", (ev) => onPod(ev.type, ev.object), { raw: true });
  for (const p of store.list("pods")) onPod("ADDED", p);
  for (const j of store.list("batch/jobs")) onJob("ADDED", j);
  return {
    stop: async () => {
      stopped = true;
      unwatchJobs();
      unwatchPods();
      for (const s of jobs.values()) for (const t of s.timers) t();
    },
  };
}
