import type { LabelRequirement } from "./selectors";
import type { AdmissionHook, KubeObject, PrinterColumn, ResourceDef } from "./types";

/**
 * One resource type's objects with the indexes lists use: by namespace, by label key=value and, for
 * pods, by spec.nodeName. Stored objects are never mutated in place (writes replace them), so
 * history and indexes can share them.
 */
export class ResourceTable {
  readonly items = new Map<string, KubeObject>();
  private readonly byNs = new Map<string, Set<string>>();
  private readonly byLabel = new Map<string, Map<string, Set<string>>>();
  private readonly byNode = new Map<string, Set<string>>();
  readonly admissions: AdmissionHook[] = [];

  constructor(
    readonly gr: string,
    readonly def: ResourceDef,
    public printerColumns: PrinterColumn[] = [],
  ) {}

  static key(namespace: string | undefined, name: string): string {
    return `${namespace ?? ""}/${name}`;
  }

  namespaceSize(ns: string): number {
    return this.byNs.get(ns)?.size ?? 0;
  }

  put(obj: KubeObject): void {
    const key = ResourceTable.key(obj.metadata.namespace, obj.metadata.name!);
    const old = this.items.get(key);
    if (old) this.unindex(key, old);
    this.items.set(key, obj);
    add(this.byNs, obj.metadata.namespace ?? "", key);
    for (const [k, v] of Object.entries(obj.metadata.labels ?? {})) {
      let vals = this.byLabel.get(k);
      if (!vals) this.byLabel.set(k, (vals = new Map()));
      add(vals, v, key);
    }
    const node: unknown = obj.spec?.nodeName;
    if (this.gr === "pods" && typeof node === "string" && node) add(this.byNode, node, key);
  }

  remove(key: string): KubeObject | undefined {
    const old = this.items.get(key);
    if (!old) return undefined;
    this.unindex(key, old);
    this.items.delete(key);
    return old;
  }

  private unindex(key: string, obj: KubeObject): void {
    del(this.byNs, obj.metadata.namespace ?? "", key);
    for (const [k, v] of Object.entries(obj.metadata.labels ?? {})) {
      const vals = this.byLabel.get(k);
      if (vals) {
        del(vals, v, key);
        if (vals.size === 0) this.byLabel.delete(k);
      }
    }
    const node: unknown = obj.spec?.nodeName;
    if (this.gr === "pods" && typeof node === "string" && node) del(this.byNode, node, key);
  }

  /**
   * Candidate keys for a query: the smallest index set that any match must be in, or undefined when
   * no index applies (the caller then scans all items).
   */
  candidates(namespace: string | undefined, labels: LabelRequirement[], nodeName: string | undefined): Iterable<string> | undefined {
    let best: Set<string> | undefined;
    const consider = (s: Set<string> | undefined) => {
      const set = s ?? new Set<string>();
      if (!best || set.size < best.size) best = set;
    };
    if (namespace !== undefined) consider(this.byNs.get(namespace));
    if (nodeName !== undefined) consider(this.byNode.get(nodeName));
    for (const r of labels) {
      if (r.op === "=") consider(this.byLabel.get(r.key)?.get(r.values[0]));
      else if (r.op === "exists" || r.op === "in") {
        const vals = this.byLabel.get(r.key);
        if (!vals) consider(undefined);
        else if (r.op === "in" && r.values.length === 1) consider(vals.get(r.values[0]!));
      }
    }
    return best;
  }
}

function add<K>(m: Map<K, Set<string>>, k: K, v: string): void {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  s.add(v);
}

function del<K>(m: Map<K, Set<string>>, k: K, v: string): void {
  const s = m.get(k);
  if (!s) return;
  s.delete(v);
  if (s.size === 0) m.delete(k);
}
