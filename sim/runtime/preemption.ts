import { addInto, type Resources } from "./pod-resources";
import { insufficient } from "./scheduler-fit";

/** A pod already on a node, as preemption sees it. */
export interface Victim { key: string; priority: number; startMs: number; req: Resources; terminating: boolean }

/**
 * Minimal set of lower-priority pods to remove from a node so `req` fits (kube-scheduler's
 * selectVictimsOnNode): remove every lower-priority pod, then reprieve the most important ones
 * (highest priority, then longest running) while the pod still fits. undefined = preemption cannot help.
 */
export function selectVictims(priority: number, req: Resources, allocatable: Resources, used: Resources, pods: Victim[]): Victim[] | undefined {
  const candidates = pods.filter((p) => !p.terminating && p.priority < priority);
  if (!candidates.length) return undefined;
  const remaining = new Map(used);
  for (const c of candidates) addInto(remaining, c.req, -1);
  if (insufficient(req, allocatable, remaining).length) return undefined;
  const victims: Victim[] = [];
  const important = [...candidates].sort((a, b) => b.priority - a.priority || a.startMs - b.startMs);
  for (const c of important) {
    addInto(remaining, c.req);
    if (insufficient(req, allocatable, remaining).length) {
      addInto(remaining, c.req, -1);
      victims.push(c);
    }
  }
  return victims;
}

/** kube-scheduler's pickOneNodeForPreemption, without PDBs: lowest highest-victim priority, then lowest priority sum, then fewest victims. */
export function pickPreemptionNode(options: { node: string; victims: Victim[] }[]): { node: string; victims: Victim[] } | undefined {
  const score = (v: Victim[]) => [Math.max(...v.map((x) => x.priority)), v.reduce((s, x) => s + x.priority, 0), v.length];
  return [...options].sort((a, b) => {
    const sa = score(a.victims);
    const sb = score(b.victims);
    for (let i = 0; i < sa.length; i++) if (sa[i] !== sb[i]) return sa[i]! - sb[i]!;
    return a.node < b.node ? -1 : 1;
  })[0];
}
