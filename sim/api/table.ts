import type { KubeObject, PrinterColumn } from "../store/types";
import { humanDuration } from "./http-util";
import { jsonPathValue } from "./jsonpath";

export { jsonPathValue };

/**
 * Server-side printing: the meta.k8s.io/v1 Table kubectl asks for, with the columns kubectl users
 * expect (k8s.io/kubernetes/pkg/printers/internalversion) for pods, nodes and jobs, and the
 * registered printer columns for everything else.
 */
interface Column {
  name: string;
  type: string;
  format?: string;
  priority: number;
  cell(o: KubeObject, now: number): unknown;
}

const age = (o: KubeObject, now: number) => (o.metadata.creationTimestamp ? humanDuration(now - Date.parse(o.metadata.creationTimestamp)) : "<unknown>");
const nameCol: Column = { name: "Name", type: "string", format: "name", priority: 0, cell: (o) => o.metadata.name };
const ageCol: Column = { name: "Age", type: "string", priority: 0, cell: age };

type ContainerStatus = { ready?: boolean; restartCount?: number; state?: { waiting?: { reason?: string }; running?: object; terminated?: { reason?: string; exitCode?: number; signal?: number } } };

export function podStatusText(pod: KubeObject): string {
  let reason: string = pod.status?.reason || pod.status?.phase || "Pending";
  const inits: ContainerStatus[] = pod.status?.initContainerStatuses ?? [];
  let initializing = false;
  inits.forEach((c, i) => {
    if (initializing) return;
    const t = c.state?.terminated;
    if (t && t.exitCode === 0) return;
    initializing = true;
    if (t) reason = t.reason ? `Init:${t.reason}` : `Init:ExitCode:${t.exitCode}`;
    else if (c.state?.waiting?.reason && c.state.waiting.reason !== "PodInitializing") reason = `Init:${c.state.waiting.reason}`;
    else reason = `Init:${i}/${(pod.spec?.initContainers ?? []).length}`;
  });
  if (!initializing) {
    let hasRunning = false;
    const cs: ContainerStatus[] = [...(pod.status?.containerStatuses ?? [])].reverse();
    for (const c of cs) {
      const s = c.state ?? {};
      if (s.waiting?.reason) reason = s.waiting.reason;
      else if (s.terminated?.reason) reason = s.terminated.reason;
      else if (s.terminated) reason = s.terminated.signal ? `Signal:${s.terminated.signal}` : `ExitCode:${s.terminated.exitCode}`;
      else if (s.running && c.ready) hasRunning = true;
    }
    if (reason === "Completed" && hasRunning) {
      const ready = (pod.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === "Ready" && c.status === "True");
      reason = ready ? "Running" : "NotReady";
    }
  }
  if (pod.metadata.deletionTimestamp) reason = pod.status?.reason === "NodeLost" ? "Unknown" : "Terminating";
  return reason;
}

const podColumns: Column[] = [
  nameCol,
  {
    name: "Ready", type: "string", priority: 0,
    cell: (o) => `${(o.status?.containerStatuses ?? []).filter((c: ContainerStatus) => c.ready).length}/${(o.spec?.containers ?? []).length}`,
  },
  { name: "Status", type: "string", priority: 0, cell: podStatusText },
  { name: "Restarts", type: "string", priority: 0, cell: (o) => String((o.status?.containerStatuses ?? []).reduce((n: number, c: ContainerStatus) => n + (c.restartCount ?? 0), 0)) },
  ageCol,
  { name: "IP", type: "string", priority: 1, cell: (o) => o.status?.podIP ?? "<none>" },
  { name: "Node", type: "string", priority: 1, cell: (o) => o.spec?.nodeName ?? "<none>" },
  { name: "Nominated Node", type: "string", priority: 1, cell: (o) => o.status?.nominatedNodeName ?? "<none>" },
  { name: "Readiness Gates", type: "string", priority: 1, cell: () => "<none>" },
];

const condition = (o: KubeObject, type: string) => (o.status?.conditions ?? []).find((c: { type: string }) => c.type === type) as { status?: string } | undefined;

const nodeColumns: Column[] = [
  nameCol,
  {
    name: "Status", type: "string", priority: 0,
    cell: (o) => {
      const ready = condition(o, "Ready");
      const s = ready?.status === "True" ? "Ready" : ready?.status === "False" ? "NotReady" : "Unknown";
      return o.spec?.unschedulable ? `${s},SchedulingDisabled` : s;
    },
  },
  {
    name: "Roles", type: "string", priority: 0,
    cell: (o) => Object.keys(o.metadata.labels ?? {}).filter((k) => k.startsWith("node-role.kubernetes.io/")).map((k) => k.slice(24)).join(",") || "<none>",
  },
  ageCol,
  { name: "Version", type: "string", priority: 0, cell: (o) => o.status?.nodeInfo?.kubeletVersion ?? "" },
  { name: "Internal-IP", type: "string", priority: 1, cell: (o) => (o.status?.addresses ?? []).find((a: { type: string }) => a.type === "InternalIP")?.address ?? "<none>" },
  { name: "External-IP", type: "string", priority: 1, cell: (o) => (o.status?.addresses ?? []).find((a: { type: string }) => a.type === "ExternalIP")?.address ?? "<none>" },
  { name: "OS-Image", type: "string", priority: 1, cell: (o) => o.status?.nodeInfo?.osImage ?? "<unknown>" },
  { name: "Kernel-Version", type: "string", priority: 1, cell: (o) => o.status?.nodeInfo?.kernelVersion ?? "<unknown>" },
  { name: "Container-Runtime", type: "string", priority: 1, cell: (o) => o.status?.nodeInfo?.containerRuntimeVersion ?? "<unknown>" },
];

function jobStatus(o: KubeObject): string {
  for (const [type, text] of [["Failed", "Failed"], ["Complete", "Complete"], ["Suspended", "Suspended"], ["FailureTarget", "FailureTarget"], ["SuccessCriteriaMet", "SuccessCriteriaMet"]]) {
    if (condition(o, type!)?.status === "True") return text!;
  }
  return "Running";
}

const jobColumns: Column[] = [
  nameCol,
  { name: "Status", type: "string", priority: 0, cell: jobStatus },
  { name: "Completions", type: "string", priority: 0, cell: (o) => `${o.status?.succeeded ?? 0}/${o.spec?.completions ?? `1 of ${o.spec?.parallelism ?? 1}`}` },
  {
    name: "Duration", type: "string", priority: 0,
    cell: (o, now) => {
      const start = o.status?.startTime;
      if (!start) return "";
      const end = o.status?.completionTime ? Date.parse(o.status.completionTime) : now;
      return humanDuration(end - Date.parse(start));
    },
  },
  ageCol,
  { name: "Containers", type: "string", priority: 1, cell: (o) => (o.spec?.template?.spec?.containers ?? []).map((c: { name: string }) => c.name).join(",") },
  { name: "Images", type: "string", priority: 1, cell: (o) => (o.spec?.template?.spec?.containers ?? []).map((c: { image: string }) => c.image).join(",") },
  {
    name: "Selector", type: "string", priority: 1,
    cell: (o) => Object.entries(o.spec?.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(","),
  },
];

const eventColumns: Column[] = [
  {
    name: "Last Seen", type: "string", priority: 0,
    cell: (o, now) => {
      const t = (o.lastTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp) as string | undefined;
      return t ? humanDuration(now - Date.parse(t)) : "<unknown>";
    },
  },
  { name: "Type", type: "string", priority: 0, cell: (o) => o.type ?? "" },
  { name: "Reason", type: "string", priority: 0, cell: (o) => o.reason ?? "" },
  {
    name: "Object", type: "string", priority: 0,
    cell: (o) => {
      const io = (o.involvedObject ?? {}) as { kind?: string; name?: string };
      return `${(io.kind ?? "").toLowerCase()}/${io.name ?? ""}`;
    },
  },
  { name: "Subobject", type: "string", priority: 1, cell: (o) => (o.involvedObject as { fieldPath?: string } | undefined)?.fieldPath ?? "" },
  { name: "Source", type: "string", priority: 1, cell: (o) => (o.source as { component?: string } | undefined)?.component ?? (o.reportingComponent as string | undefined) ?? "" },
  { name: "Message", type: "string", priority: 0, cell: (o) => o.message ?? "" },
  { name: "First Seen", type: "string", priority: 1, cell: (o, now) => (o.firstTimestamp ? humanDuration(now - Date.parse(o.firstTimestamp as string)) : "<unknown>") },
  { name: "Count", type: "string", priority: 1, cell: (o) => String(o.count ?? 1) },
  { name: "Name", type: "string", format: "name", priority: 1, cell: (o) => o.metadata.name },
];

function fromPrinterColumn(c: PrinterColumn): Column {
  return {
    name: c.name,
    type: c.type,
    priority: c.priority ?? 0,
    cell: (o, now) => {
      const v = jsonPathValue(o, c.jsonPath);
      if (v === undefined) return c.type === "string" && c.jsonPath !== ".spec.storageClassName" ? "<none>" : null;
      if (c.type === "date" && typeof v === "string") return humanDuration(now - Date.parse(v));
      if (c.name === "Port(s)" && Array.isArray(v)) return v.map((p: { port: number; protocol?: string; nodePort?: number }) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ""}/${p.protocol ?? "TCP"}`).join(",");
      if (c.type === "integer" && typeof v === "object") return Object.keys(v as object).length;
      if (Array.isArray(v)) return v.join(",");
      if (typeof v === "object") return JSON.stringify(v);
      return v;
    },
  };
}

export function columnsFor(gr: string, printerColumns: PrinterColumn[]): Column[] {
  if (gr === "pods") return podColumns;
  if (gr === "nodes") return nodeColumns;
  if (gr === "batch/jobs") return jobColumns;
  if (gr === "events") return eventColumns;
  const cols = [nameCol, ...printerColumns.map(fromPrinterColumn)];
  if (!printerColumns.some((c) => c.type === "date")) cols.push(ageCol);
  return cols;
}

/** A Table for `objs`; `includeObject` is "None", "Object" or the default "Metadata". */
export function toTable(gr: string, objs: KubeObject[], printerColumns: PrinterColumn[], opts: { now: number; includeObject?: string; resourceVersion?: string; continueToken?: string; noHeaders?: boolean }) {
  const cols = columnsFor(gr, printerColumns);
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: { resourceVersion: opts.resourceVersion, ...(opts.continueToken ? { continue: opts.continueToken } : {}) },
    columnDefinitions: opts.noHeaders ? [] : cols.map((c) => ({ name: c.name, type: c.type, format: c.format ?? "", description: "", priority: c.priority })),
    rows: objs.map((o) => ({
      cells: cols.map((c) => c.cell(o, opts.now) ?? null),
      object:
        opts.includeObject === "None"
          ? undefined
          : opts.includeObject === "Object"
            ? o
            : { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata },
    })),
  };
}
