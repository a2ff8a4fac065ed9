/**
 * The contract between the simulator's parts: the API server (sim/api, sim/store), the runtime
 * (scheduler, kubelet, job controller: sim/runtime) and Kueue + metrics (sim/kueue, sim/dcgm).
 * Controllers talk to the in-process Store exactly as real controllers talk to the API server:
 * read, write with the same validation/defaulting/admission, and watch.
 *
 * A resource is named by its "group resource" key: the plural for the core group ("pods"),
 * otherwise "<group>/<plural>" ("batch/jobs", "kueue.x-k8s.io/workloads").
 */

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
}

/** Any Kubernetes object as JSON. Parts narrow `spec`/`status` with their own types. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- objects are schemaless JSON at this layer
  spec?: any;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
  status?: any;
  [key: string]: unknown;
}

export interface ResourceDef {
  group: string; // "" for core
  version: string;
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** e.g. ["status", "log", "binding", "eviction"] */
  subresources?: string[];
  verbs?: string[];
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK";

export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject;
}

export interface FieldCause {
  field: string;
  reason: "FieldValueInvalid" | "FieldValueRequired" | "FieldValueNotSupported" | "FieldValueDuplicate" | "FieldValueForbidden";
  message: string;
}

/** Thrown by every Store method; the API server turns it into a metav1.Status response. */
export class ApiError extends Error {
  constructor(
    public readonly code: number,
    public readonly reason: string,
    message: string,
    public readonly details?: { name?: string; group?: string; kind?: string; causes?: FieldCause[]; retryAfterSeconds?: number },
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** watch only: replay retained events newer than this version first (410 Gone when too old). */
  resourceVersion?: string;
  /**
   * watch only: deliver the stored (deeply frozen) object instead of a copy. For in-process
   * watchers that never change what they receive; a write to it throws a TypeError.
   */
  raw?: boolean;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: "Background" | "Foreground" | "Orphan";
  preconditions?: { uid?: string; resourceVersion?: string };
}

export type AdmissionOperation = "CREATE" | "UPDATE" | "DELETE";

/**
 * Admission hooks run inside create/update, as webhooks do on a real cluster (Kueue suspends Jobs
 * and gates Pods this way). `mutate` changes `obj` in place; `validate` returns causes for a 422.
 */
export interface AdmissionHook {
  mutate?(obj: KubeObject, old: KubeObject | undefined, op: AdmissionOperation, subresource?: string): void;
  validate?(obj: KubeObject, old: KubeObject | undefined, op: AdmissionOperation, subresource?: string): FieldCause[];
}

export interface Store {
  /** Registers a resource type (discovery, storage, OpenAPI and Table columns come from this). */
  register(def: ResourceDef, extras?: { printerColumns?: PrinterColumn[] }): void;
  resource(gr: string): ResourceDef | undefined;
  resources(): ResourceDef[];

  get(gr: string, namespace: string | undefined, name: string): KubeObject | undefined;
  list(gr: string, opts?: ListOptions): KubeObject[];
  /** Like get, without the copy: the stored object itself, frozen — for readers that never change it. */
  getRaw(gr: string, namespace: string | undefined, name: string): KubeObject | undefined;
  /** Like list, without the copies: the stored objects themselves, frozen — for readers that never change them. */
  listRaw(gr: string, opts?: ListOptions): KubeObject[];
  /**
   * Applies generateName, uid, resourceVersion, creationTimestamp, defaults, admission. `owned`: the
   * caller hands `obj` over (a request body just parsed) and gets the stored, frozen object back,
   * with no copy either way.
   */
  create(gr: string, obj: KubeObject, owned?: boolean): KubeObject;
  /** Optimistic concurrency when obj.metadata.resourceVersion is set (409 Conflict if stale). */
  update(gr: string, obj: KubeObject, opts?: { subresource?: "status" }): KubeObject;
  /** Read-modify-write for in-process controllers: fn changes a copy; returns the stored result itself, frozen (no copy: most callers ignore it). */
  /**
   * Applies `fn` to a private copy and stores the result. `subresource: "status"` writes only the
   * status; `"binding"` (pods) writes `spec.nodeName` and the status in one version, as the API
   * server's pods/binding does (the PodScheduled condition comes with the node).
   */
  mutate(gr: string, namespace: string | undefined, name: string, fn: (obj: KubeObject) => void, opts?: { subresource?: "status" | "binding" }): KubeObject;
  /** Graceful for pods (sets deletionTimestamp; the kubelet calls `finalizeDelete`), immediate otherwise. */
  delete(gr: string, namespace: string | undefined, name: string, opts?: DeleteOptions): KubeObject | undefined;
  /** Removes an object whose graceful deletion finished (kubelet) or whose finalizers are gone. */
  finalizeDelete(gr: string, namespace: string | undefined, name: string): void;
  /** In-process watch; events are delivered after the write commits, in order. Returns unsubscribe. */
  watch(gr: string, handler: (ev: WatchEvent) => void, opts?: ListOptions): () => void;
  /** Watches open on `gr` (in-process and over HTTP); a test hook. */
  watcherCount(gr: string): number;
  addAdmission(gr: string, hook: AdmissionHook): void;
  /** The newest resourceVersion (what a list reports in metadata.resourceVersion). */
  currentResourceVersion(): string;
  /** Drops the retained watch history, so a watch from any older version gets 410 Gone (tests). */
  compactHistory(): void;
}

export interface PrinterColumn {
  name: string;
  type: "string" | "integer" | "date" | "number" | "boolean";
  /** JSONPath-like, e.g. ".status.phase" */
  jsonPath: string;
  priority?: number;
}

/** Container logs: written by the kubelet, served by GET .../pods/{name}/log. */
export interface PodLogs {
  append(namespace: string, pod: string, container: string, text: string): void;
  read(namespace: string, pod: string, container: string, opts?: { tailLines?: number; sinceSeconds?: number; timestamps?: boolean }): string;
  /** Calls onChunk with new text as it arrives until the container ends (onEnd) or the returned stop is called. */
  follow(namespace: string, pod: string, container: string, onChunk: (text: string) => void, onEnd: () => void): () => void;
  /** Marks a container's log stream as ended (follow callers get onEnd). */
  end(namespace: string, pod: string, container: string): void;
  remove(namespace: string, pod: string): void;
}

/** Simulated time: real durations are divided by `scale` (SIM_TIME_SCALE), so 10 means ten times faster. */
export interface SimClock {
  readonly scale: number;
  /** Milliseconds since the epoch in simulated time. */
  now(): number;
  /** Resolves after `simMs` of simulated time. */
  sleep(simMs: number): Promise<void>;
  /** setTimeout in simulated time; returns a cancel function. */
  after(simMs: number, fn: () => void): () => void;
}

export type RouteHandler = (req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => void;

/** What each part receives at start. */
export interface SimContext {
  store: Store;
  logs: PodLogs;
  clock: SimClock;
  topology: import("../topology/types").Topology;
  log: import("../log").SimLogger;
  /** Extra non-Kubernetes HTTP endpoints on the API server's port, e.g. ("GET", "/metrics"). */
  registerRoute(method: string, path: string, handler: RouteHandler): void;
}

export interface SimPart {
  stop(): Promise<void>;
}
