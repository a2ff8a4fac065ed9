import { randomUUID } from "node:crypto";
import { deepCopy, deepFreeze } from "./copy";
import { applyDefaults, prepareForCreate } from "./defaults";
import { ResourceTable } from "./resource-table";
import { parseFieldSelector, parseLabelSelector, matchesFields, matchesLabels, selectableView } from "./selectors";
import {
  ApiError,
  type AdmissionHook,
  type AdmissionOperation,
  type DeleteOptions,
  type KubeObject,
  type ListOptions,
  type PrinterColumn,
  type ResourceDef,
  type Store,
  type WatchEvent,
} from "./types";
import { invalidError, same, validateObject } from "./validation";
import { WatchHub } from "./watch-hub";
import { collectGarbage, orphanDependents, OwnerIndex } from "./owner-index";

export interface MemoryStoreOptions {
  /** Clock for timestamps (simulated time); defaults to Date.now. */
  now?: () => number;
  /** Watch events retained for resuming watches; older versions get 410 Gone. */
  historySize?: number;
  onHandlerError?: (err: unknown) => void;
}

// The alphabet of k8s.io/apimachinery/pkg/util/rand (no vowels, so no words).
const nameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

export const groupResource = (def: ResourceDef) => (def.group ? `${def.group}/${def.plural}` : def.plural);
export const apiVersionOf = (def: ResourceDef) => (def.group ? `${def.group}/${def.version}` : def.version);
const clone = deepCopy;

/** The in-memory Store (see types.ts for the contract). Single-threaded: every write is atomic. */
export class MemoryStore implements Store {
  private readonly tables = new Map<string, ResourceTable>();
  private rv = 0;
  private readonly hub: WatchHub;
  readonly owners = new OwnerIndex();
  private readonly now: () => number;
  private nextClusterIP = 1;

  constructor(opts: MemoryStoreOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.hub = new WatchHub(opts.historySize ?? 5000, opts.onHandlerError ?? (() => {}));
  }

  register(def: ResourceDef, extras?: { printerColumns?: PrinterColumn[] }): void {
    const gr = groupResource(def);
    const existing = this.tables.get(gr);
    if (existing) {
      if (extras?.printerColumns) existing.printerColumns = extras.printerColumns;
      return;
    }
    this.tables.set(gr, new ResourceTable(gr, def, extras?.printerColumns));
  }

  resource(gr: string): ResourceDef | undefined {
    return this.tables.get(gr)?.def;
  }

  resources(): ResourceDef[] {
    return [...this.tables.values()].map((t) => t.def);
  }

  printerColumns(gr: string): PrinterColumn[] {
    return this.tables.get(gr)?.printerColumns ?? [];
  }

  addAdmission(gr: string, hook: AdmissionHook): void {
    this.table(gr).admissions.push(hook);
  }

  currentResourceVersion(): string {
    return String(this.rv);
  }

  compactHistory(): void {
    this.hub.compact(this.rv);
  }

  /** Watches open on `gr` (in-process and over HTTP); a test hook. */
  watcherCount(gr: string): number {
    return this.hub.watcherCount(gr);
  }

  timestamp(ms = this.now()): string {
    return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  table(gr: string): ResourceTable {
    const t = this.tables.get(gr);
    if (!t) throw new ApiError(404, "NotFound", `the server could not find the requested resource (${gr})`);
    return t;
  }

  private notFound(t: ResourceTable, name: string): ApiError {
    return new ApiError(404, "NotFound", `${t.gr.replace(/^.*\//, "")}${t.def.group ? `.${t.def.group}` : ""} "${name}" not found`, { name, group: t.def.group, kind: t.def.plural });
  }

  private ns(t: ResourceTable, namespace: string | undefined): string | undefined {
    return t.def.namespaced ? namespace || "default" : undefined;
  }

  getRaw(gr: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const t = this.table(gr);
    return t.items.get(ResourceTable.key(this.ns(t, namespace), name));
  }

  get(gr: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const o = this.getRaw(gr, namespace, name);
    return o && clone(o);
  }

  /** Matching objects in key order, shared with the store: callers must not mutate them. */
  listRaw(gr: string, opts: ListOptions = {}): KubeObject[] {
    const t = this.table(gr);
    const labels = parseLabelSelector(opts.labelSelector);
    const fields = parseFieldSelector(gr, opts.fieldSelector);
    const namespace = t.def.namespaced ? opts.namespace || undefined : undefined;
    const node = fields.find((f) => f.field === "spec.nodeName" && f.op === "=")?.value;
    const ns = namespace ?? fields.find((f) => f.field === "metadata.namespace" && f.op === "=")?.value;
    const name = fields.find((f) => f.field === "metadata.name" && f.op === "=")?.value;
    let keys: Iterable<string>;
    if (name !== undefined && ns !== undefined) keys = [ResourceTable.key(ns, name)];
    else keys = t.candidates(ns, labels, node) ?? t.items.keys();
    const out: KubeObject[] = [];
    for (const k of keys) {
      const o = t.items.get(k);
      if (!o) continue;
      if (ns !== undefined && o.metadata.namespace !== ns) continue;
      if (matchesLabels(labels, o.metadata.labels) && matchesFields(fields, o)) out.push(o);
    }
    const key = (o: KubeObject) => ResourceTable.key(o.metadata.namespace, o.metadata.name!);
    return out.sort((a, b) => (key(a) < key(b) ? -1 : 1));
  }

  list(gr: string, opts?: ListOptions): KubeObject[] {
    return this.listRaw(gr, opts).map(clone);
  }

  watch(gr: string, handler: (ev: WatchEvent) => void, opts: ListOptions & { raw?: boolean } = {}): () => void {
    const t = this.table(gr);
    const filter = {
      namespace: t.def.namespaced ? opts.namespace || undefined : undefined,
      labels: parseLabelSelector(opts.labelSelector),
      fields: parseFieldSelector(gr, opts.fieldSelector),
    };
    let from: number | undefined;
    if (opts.resourceVersion !== undefined && opts.resourceVersion !== "" && opts.resourceVersion !== "0") {
      from = Number(opts.resourceVersion);
      if (!Number.isInteger(from) || from < 0) throw new ApiError(400, "BadRequest", `invalid resource version: ${opts.resourceVersion}`);
    }
    return this.hub.subscribe(gr, filter, handler, opts.raw ?? false, from);
  }

  private admit(t: ResourceTable, obj: KubeObject, old: KubeObject | undefined, op: AdmissionOperation, sub?: string): void {
    for (const h of t.admissions) h.mutate?.(obj, old, op, sub);
  }

  private validateAdmission(t: ResourceTable, obj: KubeObject, old: KubeObject | undefined, op: AdmissionOperation, sub?: string): void {
    const causes = t.admissions.flatMap((h) => h.validate?.(obj, old, op, sub) ?? []);
    if (causes.length) throw invalidError(t.def, obj.metadata.name ?? "", causes);
  }

  private commit(t: ResourceTable, obj: KubeObject, type: "ADDED" | "MODIFIED", old?: KubeObject, raw = false): KubeObject {
    obj.metadata.resourceVersion = String(++this.rv);
    // Stored objects are frozen: raw readers (getRaw, listRaw, raw watchers) share them safely.
    t.put(deepFreeze(obj));
    this.owners.update(t.gr, obj, old);
    this.hub.record({ rv: this.rv, gr: t.gr, type, object: obj, old: old && selectableView(t.gr, old) });
    return raw ? obj : clone(obj);
  }

  create(gr: string, input: KubeObject, owned = false): KubeObject {
    const t = this.table(gr);
    const obj = owned ? input : clone(input);
    obj.apiVersion = apiVersionOf(t.def);
    obj.kind = t.def.kind;
    const md = (obj.metadata ??= {});
    if (md.resourceVersion) throw new ApiError(500, "InternalError", "resourceVersion should not be set on objects to be created");
    md.namespace = this.ns(t, md.namespace);
    if (!md.namespace) delete md.namespace;
    if (!md.name && md.generateName) {
      let name: string;
      do {
        name = md.generateName;
        for (let i = 0; i < 5; i++) name += nameAlphabet[Math.floor(Math.random() * nameAlphabet.length)];
      } while (t.items.has(ResourceTable.key(md.namespace, name)));
      md.name = name;
    }
    if (md.namespace !== undefined && this.tables.has("namespaces")) {
      const nsObj = this.tables.get("namespaces")!.items.get(ResourceTable.key(undefined, md.namespace));
      if (!nsObj) throw new ApiError(404, "NotFound", `namespaces "${md.namespace}" not found`, { name: md.namespace, kind: "namespaces" });
      if (nsObj.metadata.deletionTimestamp) {
        throw new ApiError(403, "Forbidden", `${t.def.plural} "${md.name ?? ""}" is forbidden: unable to create new content in namespace ${md.namespace} because it is being terminated`, { name: md.name, kind: t.def.plural });
      }
    }
    md.uid = randomUUID();
    md.creationTimestamp = this.timestamp();
    md.generation = 1;
    delete md.deletionTimestamp;
    delete md.deletionGracePeriodSeconds;
    const ip = () => this.allocateClusterIP();
    applyDefaults(gr, obj, true, ip);
    this.admit(t, obj, undefined, "CREATE");
    applyDefaults(gr, obj, false, ip);
    prepareForCreate(gr, obj, md.creationTimestamp);
    const causes = validateObject(t.def, obj);
    if (causes.length) throw invalidError(t.def, md.name ?? "", causes);
    this.validateAdmission(t, obj, undefined, "CREATE");
    if (t.items.has(ResourceTable.key(md.namespace, md.name!))) {
      throw new ApiError(409, "AlreadyExists", `${t.def.plural}${t.def.group ? `.${t.def.group}` : ""} "${md.name}" already exists`, { name: md.name, group: t.def.group, kind: t.def.plural });
    }
    return this.commit(t, obj, "ADDED", undefined, owned);
  }

  private allocateClusterIP(): string {
    const n = this.nextClusterIP++;
    return `10.96.${Math.floor(n / 254) % 256}.${(n % 254) + 1}`;
  }

  update(gr: string, input: KubeObject, opts: { subresource?: "status" } = {}): KubeObject {
    return this.updateOwned(gr, input, opts, false);
  }

  /** `owned`: the input is a private copy the store may keep (saves a clone on the mutate path). */
  /** `owned`: input is ours to change (mutate's copy); the result is then the stored, frozen object, not a copy. */
  private updateOwned(gr: string, input: KubeObject, opts: { subresource?: "status" | "binding" }, owned: boolean): KubeObject {
    const t = this.table(gr);
    const name = input.metadata?.name;
    if (!name) throw invalidError(t.def, "", [{ field: "metadata.name", reason: "FieldValueRequired", message: "Required value: name is required" }]);
    const key = ResourceTable.key(this.ns(t, input.metadata.namespace), name);
    const old = t.items.get(key);
    if (!old) throw this.notFound(t, name);
    const rv = input.metadata.resourceVersion;
    if (rv && rv !== old.metadata.resourceVersion) {
      throw new ApiError(409, "Conflict", `Operation cannot be fulfilled on ${t.def.plural}${t.def.group ? `.${t.def.group}` : ""} "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, group: t.def.group, kind: t.def.plural });
    }
    const hasStatus = (t.def.subresources ?? []).includes("status");
    let obj: KubeObject;
    if (opts.subresource === "status") {
      // Everything but the status stays as stored: shared with the old version (frozen), not copied.
      obj = { ...old, metadata: { ...old.metadata }, status: owned ? input.status : clone(input.status) };
    } else if (opts.subresource === "binding") {
      // The node and the status; the rest of the spec as stored.
      obj = { ...old, metadata: { ...old.metadata }, spec: { ...old.spec, nodeName: input.spec?.nodeName }, status: owned ? input.status : clone(input.status) };
    } else {
      obj = owned ? input : clone(input);
      if (hasStatus) obj.status = clone(old.status);
      obj.apiVersion = old.apiVersion;
      obj.kind = old.kind;
      obj.metadata ??= {};
      for (const f of ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "namespace", "name"] as const) {
        if (old.metadata[f] === undefined) delete obj.metadata[f];
        else (obj.metadata as Record<string, unknown>)[f] = old.metadata[f];
      }
      // A deleting object may lose finalizers but not gain new ones.
      if (old.metadata.deletionTimestamp) {
        const kept = (obj.metadata.finalizers ?? []).filter((f) => (old.metadata.finalizers ?? []).includes(f));
        if (kept.length) obj.metadata.finalizers = kept;
        else delete obj.metadata.finalizers;
      }
      applyDefaults(gr, obj, false, () => this.allocateClusterIP());
    }
    this.admit(t, obj, old, "UPDATE", opts.subresource);
    if (opts.subresource === undefined) {
      const causes = validateObject(t.def, obj, old);
      if (causes.length) throw invalidError(t.def, name, causes);
    }
    this.validateAdmission(t, obj, old, "UPDATE", opts.subresource);
    obj.metadata.resourceVersion = old.metadata.resourceVersion;
    if (same(obj, old)) return owned ? old : clone(old);
    if (old.spec !== undefined && !same(obj.spec, old.spec)) obj.metadata.generation = (old.metadata.generation ?? 1) + 1;
    const result = this.commit(t, obj, "MODIFIED", old, owned);
    if (obj.metadata.deletionTimestamp && !obj.metadata.finalizers?.length && this.gracefulDone(t, obj)) this.removeObject(t, key);
    return result;
  }

  mutate(gr: string, namespace: string | undefined, name: string, fn: (obj: KubeObject) => void, opts?: { subresource?: "status" | "binding" }): KubeObject {
    const t = this.table(gr);
    const cur = t.items.get(ResourceTable.key(this.ns(t, namespace), name));
    if (!cur) throw this.notFound(t, name);
    // A status write keeps everything but the status as stored, so only the status (and metadata,
    // which the mutator may read as its own) is copied; the spec stays shared and frozen, and a
    // mutator that writes it fails loudly instead of being ignored. A binding may set the node name.
    const copy =
      opts?.subresource === "status" ? { ...cur, metadata: clone(cur.metadata), status: clone(cur.status) }
      : opts?.subresource === "binding" ? { ...cur, metadata: clone(cur.metadata), spec: { ...cur.spec }, status: clone(cur.status) }
      : clone(cur);
    fn(copy);
    return this.updateOwned(gr, copy, opts ?? {}, true);
  }

  /** Whether a deleting object needs nothing more than its finalizers gone (pods wait for the kubelet). */
  private gracefulDone(t: ResourceTable, obj: KubeObject): boolean {
    if (t.gr !== "pods") return true;
    return !obj.spec?.nodeName || obj.metadata.deletionGracePeriodSeconds === 0;
  }

  delete(gr: string, namespace: string | undefined, name: string, opts: DeleteOptions = {}): KubeObject | undefined {
    const t = this.table(gr);
    const key = ResourceTable.key(this.ns(t, namespace), name);
    const old = t.items.get(key);
    if (!old) throw this.notFound(t, name);
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== old.metadata.uid) {
      throw new ApiError(409, "Conflict", `Operation cannot be fulfilled on ${t.def.plural} "${name}": Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`, { name, kind: t.def.plural });
    }
    if (pre?.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion) {
      throw new ApiError(409, "Conflict", `Operation cannot be fulfilled on ${t.def.plural} "${name}": Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in meta: ${old.metadata.resourceVersion}`, { name, kind: t.def.plural });
    }
    this.validateAdmission(t, old, old, "DELETE");
    // batch/v1 Jobs keep the legacy default of orphaning their pods; everything else is Background.
    const policy = opts.propagationPolicy ?? (gr === "batch/jobs" ? "Orphan" : "Background");
    if (policy === "Orphan") orphanDependents(this, old.metadata.uid!);

    let grace = 0;
    if (gr === "pods" && old.spec?.nodeName) grace = opts.gracePeriodSeconds ?? old.spec.terminationGracePeriodSeconds ?? 30;
    if (old.metadata.deletionTimestamp) {
      // Already deleting: a shorter grace period (e.g. --force) may end it sooner.
      if (gr === "pods" && grace < (old.metadata.deletionGracePeriodSeconds ?? 0)) {
        return this.markDeleting(t, old, grace, policy === "Foreground");
      }
      return clone(old);
    }
    const waitsForDependents = policy === "Foreground" && this.owners.dependents(old.metadata.uid!).length > 0;
    const keep = grace > 0 || (old.metadata.finalizers?.length ?? 0) > 0 || waitsForDependents || gr === "namespaces";
    let result: KubeObject | undefined;
    if (keep) result = this.markDeleting(t, old, grace, waitsForDependents);
    if (gr === "namespaces") this.deleteNamespaceContents(name);
    if (policy !== "Orphan") {
      for (const d of this.owners.dependents(old.metadata.uid!)) {
        if (!this.getRaw(d.gr, d.namespace, d.name)) continue;
        this.delete(d.gr, d.namespace, d.name, { propagationPolicy: "Background" });
      }
    }
    if (!keep) return this.removeObject(t, key);
    if (gr === "namespaces") this.maybeFinishNamespace(name);
    return result && (this.getRaw(gr, namespace, name) ? clone(this.getRaw(gr, namespace, name)!) : result);
  }

  private markDeleting(t: ResourceTable, old: KubeObject, grace: number, foreground: boolean): KubeObject {
    const obj = clone(old);
    obj.metadata.deletionTimestamp = this.timestamp(this.now() + grace * 1000);
    obj.metadata.deletionGracePeriodSeconds = grace;
    if (foreground && !obj.metadata.finalizers?.includes("foregroundDeletion")) obj.metadata.finalizers = [...(obj.metadata.finalizers ?? []), "foregroundDeletion"];
    if (t.gr === "namespaces") obj.status = { ...(obj.status ?? {}), phase: "Terminating" };
    const result = this.commit(t, obj, "MODIFIED", old);
    if (t.gr === "pods" && grace === 0 && !obj.metadata.finalizers?.length) this.removeObject(t, ResourceTable.key(obj.metadata.namespace, obj.metadata.name!));
    return result;
  }

  finalizeDelete(gr: string, namespace: string | undefined, name: string): void {
    const t = this.table(gr);
    const key = ResourceTable.key(this.ns(t, namespace), name);
    const cur = t.items.get(key);
    if (!cur) return;
    if (!cur.metadata.finalizers?.length) {
      this.removeObject(t, key);
      return;
    }
    if (cur.metadata.deletionGracePeriodSeconds !== 0) {
      const obj = clone(cur);
      obj.metadata.deletionTimestamp ??= this.timestamp();
      obj.metadata.deletionGracePeriodSeconds = 0;
      this.commit(t, obj, "MODIFIED", cur);
    }
  }

  /** Drops an object for good: DELETED event, then garbage collection of what depended on it. */
  removeObject(t: ResourceTable, key: string): KubeObject | undefined {
    const old = t.items.get(key);
    if (!old) return undefined;
    t.remove(key);
    const obj = clone(old);
    obj.metadata.resourceVersion = String(++this.rv);
    deepFreeze(obj);
    this.owners.update(t.gr, undefined, old);
    this.hub.record({ rv: this.rv, gr: t.gr, type: "DELETED", object: obj });
    collectGarbage(this, old);
    if (old.metadata.namespace) this.maybeFinishNamespace(old.metadata.namespace);
    return clone(obj);
  }

  private deleteNamespaceContents(ns: string): void {
    for (const t of this.tables.values()) {
      if (!t.def.namespaced) continue;
      for (const o of this.listRaw(t.gr, { namespace: ns })) {
        if (this.getRaw(t.gr, ns, o.metadata.name!)) this.delete(t.gr, ns, o.metadata.name!, { propagationPolicy: "Background" });
      }
    }
  }

  private maybeFinishNamespace(ns: string): void {
    const nsTable = this.tables.get("namespaces");
    const nsObj = nsTable?.items.get(ResourceTable.key(undefined, ns));
    if (!nsTable || !nsObj?.metadata.deletionTimestamp) return;
    for (const t of this.tables.values()) if (t.def.namespaced && t.namespaceSize(ns) > 0) return;
    if (!nsObj.metadata.finalizers?.length) this.removeObject(nsTable, ResourceTable.key(undefined, ns));
  }

  /** Every object of every type (for the optional state file). */
  dump(): { gr: string; items: KubeObject[] }[] {
    return [...this.tables.values()].map((t) => ({ gr: t.gr, items: [...t.items.values()] }));
  }

  /** Restores dumped objects as they were (uids, versions), without admission or events. */
  restore(data: { gr: string; items: KubeObject[] }[]): void {
    for (const { gr, items } of data) {
      const t = this.tables.get(gr);
      if (!t) continue;
      for (const o of items) {
        t.put(deepFreeze(o));
        this.owners.update(gr, o, undefined);
        this.rv = Math.max(this.rv, Number(o.metadata.resourceVersion) || 0);
      }
    }
  }
}
