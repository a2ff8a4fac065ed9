import type { KubeObject, SimClock, Store } from "../store/types";

let seq = 0;

/** Records a v1 Event about `obj` in its namespace (what `kubectl describe` lists). Never throws. */
export function recordEvent(store: Store, clock: SimClock, obj: KubeObject, type: "Normal" | "Warning", reason: string, message: string, component: string, fieldPath?: string): void {
  const ns = obj.metadata.namespace ?? "default";
  const ts = new Date(clock.now()).toISOString();
  // Real event names are "<object>.<hex unix nanos>"; the sequence keeps them unique within a millisecond.
  const name = `${obj.metadata.name}.${(clock.now() * 1000 + (seq++ % 1000)).toString(16)}`;
  try {
    store.create("events", {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name, namespace: ns },
      involvedObject: {
        apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name, uid: obj.metadata.uid,
        ...(fieldPath ? { fieldPath } : {}),
      },
      reason, message, type,
      source: { component },
      reportingComponent: component,
      reportingInstance: component,
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
    });
  } catch {
    // Events are best effort, as on a real cluster (a deleted namespace, a full store).
  }
}

/** Sets (or replaces) a status condition in place; returns true if anything changed. */
export function setCondition(status: { conditions?: Record<string, unknown>[] }, type: string, value: string, reason?: string, message?: string, now = new Date().toISOString()): boolean {
  const conds = (status.conditions ??= []);
  const old = conds.find((c) => c.type === type);
  if (old && old.status === value && old.reason === reason && old.message === message) return false;
  const next: Record<string, unknown> = {
    type, status: value, lastProbeTime: null,
    lastTransitionTime: old && old.status === value ? old.lastTransitionTime : now,
    ...(reason ? { reason } : {}), ...(message ? { message } : {}),
  };
  if (old) conds.splice(conds.indexOf(old), 1, next);
  else conds.push(next);
  return true;
}
