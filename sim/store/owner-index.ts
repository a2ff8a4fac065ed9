import type { KubeObject } from "./types";
import type { MemoryStore } from "./memory-store";

export interface ObjectRef {
  gr: string;
  namespace?: string;
  name: string;
}

const refKey = (r: ObjectRef) => `${r.gr}|${r.namespace ?? ""}|${r.name}`;

/**
 * Who owns whom, by uid, so garbage collection finds an owner's dependents without scanning, and
 * where each uid lives, so a dependent can find its owners.
 */
export class OwnerIndex {
  private readonly byOwner = new Map<string, Map<string, ObjectRef>>();
  private readonly byUid = new Map<string, ObjectRef>();

  update(gr: string, obj: KubeObject | undefined, old: KubeObject | undefined): void {
    if (old) {
      const ref = { gr, namespace: old.metadata.namespace, name: old.metadata.name! };
      for (const o of old.metadata.ownerReferences ?? []) this.byOwner.get(o.uid)?.delete(refKey(ref));
      if (!obj) this.byUid.delete(old.metadata.uid!);
    }
    if (obj) {
      const ref = { gr, namespace: obj.metadata.namespace, name: obj.metadata.name! };
      this.byUid.set(obj.metadata.uid!, ref);
      for (const o of obj.metadata.ownerReferences ?? []) {
        let m = this.byOwner.get(o.uid);
        if (!m) this.byOwner.set(o.uid, (m = new Map()));
        m.set(refKey(ref), ref);
      }
    }
  }

  dependents(uid: string): ObjectRef[] {
    return [...(this.byOwner.get(uid)?.values() ?? [])];
  }

  locate(uid: string): ObjectRef | undefined {
    return this.byUid.get(uid);
  }
}

/** Removes the owner reference to `uid` from every dependent (propagationPolicy Orphan). */
export function orphanDependents(store: MemoryStore, uid: string): void {
  for (const d of store.owners.dependents(uid)) {
    store.mutate(d.gr, d.namespace, d.name, (o) => {
      o.metadata.ownerReferences = (o.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
      if (!o.metadata.ownerReferences.length) delete o.metadata.ownerReferences;
    });
  }
}

/**
 * After `removed` is gone: dependents left with no live owner are deleted (Background), dangling
 * references are dropped from dependents that have other owners, and owners waiting in foreground
 * deletion for their last dependent are released.
 */
export function collectGarbage(store: MemoryStore, removed: KubeObject): void {
  const uid = removed.metadata.uid!;
  for (const d of store.owners.dependents(uid)) {
    const dep = store.getRaw(d.gr, d.namespace, d.name);
    if (!dep) continue;
    const others = (dep.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid && store.owners.locate(r.uid));
    if (others.length === 0) {
      if (!dep.metadata.deletionTimestamp) store.delete(d.gr, d.namespace, d.name, { propagationPolicy: "Background" });
    } else {
      orphanDependents(store, uid);
    }
  }
  for (const ref of removed.metadata.ownerReferences ?? []) {
    const loc = store.owners.locate(ref.uid);
    if (!loc) continue;
    const owner = store.getRaw(loc.gr, loc.namespace, loc.name);
    if (!owner?.metadata.finalizers?.includes("foregroundDeletion")) continue;
    if (store.owners.dependents(ref.uid).some((d) => store.getRaw(d.gr, d.namespace, d.name))) continue;
    store.mutate(loc.gr, loc.namespace, loc.name, (o) => {
      o.metadata.finalizers = (o.metadata.finalizers ?? []).filter((f) => f !== "foregroundDeletion");
    });
  }
}
