import type { KubeObject, SimContext, SimPart } from "../store/types";
import { recordEvent, setCondition } from "./events";
import { SCHEDULING_GATED_MESSAGE } from "../store/defaults";
import { addInto, isTerminal, nodeAllocatable, podKey, podRequests, type Resources } from "./pod-resources";
import { pickPreemptionNode, selectVictims, type Victim } from "./preemption";
import { filterNode, fitErrorMessage, preferenceScore } from "./scheduler-fit";

interface NodeState { node: KubeObject; alloc: Resources; used: Resources; pods: Map<string, Victim> }
interface Bound { node: string; victim: Victim }

const component = "default-scheduler";

/**
 * The scheduler: keeps per-node requested totals incrementally from pod and node watches, and
 * binds pending pods in priority order; unschedulable pods wait until capacity changes.
 */
export function startScheduler(ctx: SimContext): SimPart {
  const { store, clock, log } = ctx;
  const nodes = new Map<string, NodeState>();
  const bound = new Map<string, Bound>();
  const pending = new Map<string, KubeObject>();
  const active = new Set<string>();
  const signatures = new Map<string, string>();
  const lastMessage = new Map<string, string>();
  const nominated = new Map<string, { node: string; priority: number; req: Resources }>();
  let scheduled = false;
  let stopped = false;

  const kick = () => {
    if (scheduled || stopped) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      if (!stopped) runPass();
    });
  };
  const moveAllToActive = () => {
    for (const k of pending.keys()) active.add(k);
    kick();
  };

  function unbind(key: string) {
    const b = bound.get(key);
    if (!b) return;
    bound.delete(key);
    const ns = nodes.get(b.node);
    if (ns) {
      addInto(ns.used, b.victim.req, -1);
      ns.pods.delete(key);
    }
    moveAllToActive();
  }

  function bindLocal(key: string, pod: KubeObject, node: string) {
    const existing = bound.get(key);
    if (existing) {
      existing.victim.terminating = !!pod.metadata.deletionTimestamp;
      return;
    }
    const victim: Victim = {
      key, priority: pod.spec?.priority ?? 0, req: podRequests(pod), terminating: !!pod.metadata.deletionTimestamp,
      startMs: Date.parse(pod.status?.startTime ?? pod.metadata.creationTimestamp ?? "") || clock.now(),
    };
    bound.set(key, { node, victim });
    const ns = nodes.get(node);
    if (ns) {
      addInto(ns.used, victim.req);
      ns.pods.set(key, victim);
    }
  }

  function onPod(type: string, pod: KubeObject) {
    const key = podKey(pod);
    if (type === "DELETED" || isTerminal(pod)) {
      pending.delete(key);
      active.delete(key);
      signatures.delete(key);
      lastMessage.delete(key);
      if (nominated.delete(key)) moveAllToActive();
      unbind(key);
      return;
    }
    if (pod.spec?.nodeName) {
      pending.delete(key);
      active.delete(key);
      signatures.delete(key);
      bindLocal(key, pod, pod.spec.nodeName);
      return;
    }
    if ((pod.spec?.schedulerName ?? component) !== component || pod.metadata.deletionTimestamp) {
      pending.delete(key);
      return;
    }
    pending.set(key, pod);
    const s = pod.spec ?? {};
    const sig = JSON.stringify([s.schedulingGates, s.nodeSelector, s.tolerations, s.affinity, s.priority, s.containers?.map((c: { resources?: unknown }) => c.resources)]);
    if (signatures.get(key) !== sig) {
      signatures.set(key, sig);
      active.add(key);
      kick();
    }
  }

  function onNode(type: string, node: KubeObject) {
    const name = node.metadata.name!;
    if (type === "DELETED") {
      nodes.delete(name);
      return;
    }
    const prev = nodes.get(name);
    const state: NodeState = prev ?? { node, alloc: new Map(), used: new Map(), pods: new Map() };
    state.node = node;
    state.alloc = nodeAllocatable(node);
    if (!prev) {
      nodes.set(name, state);
      for (const [key, b] of bound) if (b.node === name && !state.pods.has(key)) {
        addInto(state.used, b.victim.req);
        state.pods.set(key, b.victim);
      }
    }
    moveAllToActive();
  }

  /** Requests of pods nominated to a node with at least this priority count as used there. */
  function usedWithNominated(node: string, self: string, priority: number, used: Resources): Resources {
    let out = used;
    for (const [k, n] of nominated) {
      if (k === self || n.node !== node || n.priority < priority) continue;
      if (out === used) out = new Map(used);
      addInto(out, n.req);
    }
    return out;
  }

  function runPass() {
    const queue = [...active].map((k) => pending.get(k)).filter((p): p is KubeObject => !!p);
    active.clear();
    queue.sort((a, b) => (b.spec?.priority ?? 0) - (a.spec?.priority ?? 0) || String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)));
    for (const pod of queue) {
      try {
        scheduleOne(pod);
      } catch (e) {
        log.debug("scheduling attempt failed", { pod: podKey(pod), error: (e as Error).message });
      }
    }
  }

  function writeUnschedulable(pod: KubeObject, reason: string, message: string, event: boolean) {
    const key = podKey(pod);
    if (lastMessage.get(key) === `${reason}:${message}`) return;
    lastMessage.set(key, `${reason}:${message}`);
    store.mutate("pods", pod.metadata.namespace, pod.metadata.name!, (p) => {
      p.status ??= {};
      setCondition(p.status, "PodScheduled", "False", reason, message, new Date(clock.now()).toISOString());
    }, { subresource: "status" });
    if (event) recordEvent(store, clock, pod, "Warning", "FailedScheduling", message, component);
  }

  function scheduleOne(pod: KubeObject) {
    const key = podKey(pod);
    if (pod.spec?.schedulingGates?.length) {
      // Set at creation by the API server (prepareForCreate); written here only if it is missing.
      if (pod.status?.conditions?.some((c: { type?: string; reason?: string }) => c.type === "PodScheduled" && c.reason === "SchedulingGated")) return;
      return writeUnschedulable(pod, "SchedulingGated", SCHEDULING_GATED_MESSAGE, false);
    }
    const req = podRequests(pod);
    const priority = pod.spec?.priority ?? 0;
    const reasons = new Map<string, number>();
    const feasible: NodeState[] = [];
    const preemptable: NodeState[] = [];
    for (const ns of nodes.values()) {
      const used = usedWithNominated(ns.node.metadata.name!, key, priority, ns.used);
      const f = filterNode(pod, req, ns.node, ns.alloc, used);
      if (!f.reasons.length) feasible.push(ns);
      else {
        for (const r of f.reasons) reasons.set(r, (reasons.get(r) ?? 0) + 1);
        if (f.resourceOnly) preemptable.push(ns);
      }
    }
    if (feasible.length) {
      const free = (ns: NodeState) => ["cpu", "memory"].reduce((s, r) => s + ((ns.alloc.get(r) ?? 0) - (ns.used.get(r) ?? 0)) / Math.max(1, ns.alloc.get(r) ?? 1), 0);
      feasible.sort((a, b) => preferenceScore(pod, b.node) - preferenceScore(pod, a.node) || free(b) - free(a) || (a.node.metadata.name! < b.node.metadata.name! ? -1 : 1));
      return bind(pod, feasible[0]!.node.metadata.name!);
    }
    const total = nodes.size;
    if (pod.spec?.preemptionPolicy === "Never") {
      return writeUnschedulable(pod, "Unschedulable", fitErrorMessage(total, reasons, "not eligible due to preemptionPolicy=Never."), true);
    }
    // Victims of an earlier preemption are still terminating: wait for them rather than preempt more.
    const nom = nominated.get(key);
    const nomNode = nom && nodes.get(nom.node);
    if (nomNode && [...nomNode.pods.values()].some((v) => v.terminating && v.priority < priority)) {
      return writeUnschedulable(pod, "Unschedulable", fitErrorMessage(total, reasons, "not eligible due to a terminating pod on the nominated node."), false);
    }
    const options: { node: string; victims: Victim[] }[] = [];
    for (const ns of preemptable) {
      const victims = selectVictims(priority, req, ns.alloc, usedWithNominated(ns.node.metadata.name!, key, priority, ns.used), [...ns.pods.values()]);
      if (victims) options.push({ node: ns.node.metadata.name!, victims });
    }
    const choice = pickPreemptionNode(options);
    const noVictims = preemptable.length - options.length;
    const notHelpful = total - preemptable.length;
    const pre = new Map<string, number>();
    if (noVictims) pre.set("No preemption victims found for incoming pod", noVictims);
    if (notHelpful) pre.set("Preemption is not helpful for scheduling", notHelpful);
    const message = fitErrorMessage(total, reasons, fitErrorMessage(total, pre));
    if (choice) preempt(pod, choice.node, choice.victims, priority, req);
    writeUnschedulable(pod, "Unschedulable", message, true);
  }

  function preempt(pod: KubeObject, node: string, victims: Victim[], priority: number, req: Resources) {
    const key = podKey(pod);
    nominated.set(key, { node, priority, req });
    store.mutate("pods", pod.metadata.namespace, pod.metadata.name!, (p) => {
      p.status ??= {};
      p.status.nominatedNodeName = node;
    }, { subresource: "status" });
    for (const v of victims) {
      const [ns, name] = v.key.split("/") as [string, string];
      const victimPod = store.get("pods", ns, name);
      if (!victimPod) continue;
      v.terminating = true;
      store.mutate("pods", ns, name, (p) => {
        p.status ??= {};
        setCondition(p.status, "DisruptionTarget", "True", "PreemptionByScheduler", `${component}: preempting to accommodate a higher priority pod`, new Date(clock.now()).toISOString());
      }, { subresource: "status" });
      recordEvent(store, clock, victimPod, "Normal", "Preempted", `Preempted by pod ${pod.metadata.uid} on node ${node}`, component);
      store.delete("pods", ns, name);
    }
  }

  function bind(pod: KubeObject, node: string) {
    const key = podKey(pod);
    const ns = pod.metadata.namespace!;
    const name = pod.metadata.name!;
    // pods/binding: the node and the PodScheduled condition in one write, as the API server does.
    store.mutate("pods", ns, name, (p) => {
      if (p.spec.nodeName) return;
      p.spec.nodeName = node;
      p.status ??= {};
      delete p.status.nominatedNodeName;
      setCondition(p.status, "PodScheduled", "True", undefined, undefined, new Date(clock.now()).toISOString());
    }, { subresource: "binding" });
    nominated.delete(key);
    lastMessage.delete(key);
    pending.delete(key);
    bindLocal(key, pod, node);
    recordEvent(store, clock, pod, "Normal", "Scheduled", `Successfully assigned ${ns}/${name} to ${node}`, component);
  }

  for (const n of store.list("nodes")) onNode("ADDED", n);
  for (const p of store.list("pods")) onPod("ADDED", p);
  const unwatchNodes = store.watch("nodes", (ev) => onNode(ev.type, ev.object), { raw: true });
  const unwatchPods = store.watch("pods", (ev) => {
    if (ev.type !== "BOOKMARK") onPod(ev.type, ev.object);
  }, { raw: true });
  return {
    stop: async () => {
      stopped = true;
      unwatchNodes();
      unwatchPods();
    },
  };
}
