import { parseQuantity } from "../store/quantity";
import type { KubeObject } from "../store/types";

/**
 * kube-state-metrics series the portal's queries use (reference §4.5, §6.2): container requests and
 * limits, node allocatable and capacity, pod phase and start time. Resource names are sanitised as
 * KSM does (`nvidia.com/mig-1g.10gb` -> `nvidia_com_mig_1g_10gb`); units core, byte or integer.
 */
export const sanitize = (resource: string) => resource.replace(/[^a-zA-Z0-9_]/g, "_");

export function unitOf(resource: string): string {
  if (resource === "cpu") return "core";
  if (resource === "memory" || resource === "storage" || resource === "ephemeral-storage" || resource.startsWith("hugepages-")) return "byte";
  return "integer";
}

const esc = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
const fmt = (l: [string, string][]) => `{${l.map(([k, v]) => `${k}="${esc(v)}"`).join(",")}}`;
const phases = ["Pending", "Running", "Succeeded", "Failed", "Unknown"];

export function renderKsm(pods: KubeObject[], nodes: KubeObject[]): string {
  const out: string[] = [];
  const family = (name: string, help: string, rows: string[]) => out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...rows);
  const containerRows = (kind: "requests" | "limits") => pods.flatMap((p) => {
    const base: [string, string][] = [["namespace", p.metadata.namespace ?? ""], ["pod", p.metadata.name ?? ""], ["uid", p.metadata.uid ?? ""]];
    return (p.spec?.containers ?? []).flatMap((c: { name: string; resources?: Record<string, Record<string, string>> }) => {
      // The API server defaults requests to limits for a resource given only as a limit.
      const values = kind === "requests" ? { ...(c.resources?.limits ?? {}), ...(c.resources?.requests ?? {}) } : (c.resources?.limits ?? {});
      return Object.entries(values).map(([r, q]) => `kube_pod_container_resource_${kind}${fmt([...base, ["container", c.name], ["node", p.spec?.nodeName ?? ""], ["resource", sanitize(r)], ["unit", unitOf(r)]])} ${parseQuantity(q)}`);
    });
  });
  family("kube_pod_container_resource_requests", "The number of requested request resource by a container. It is recommended to use the kube_pod_resource_requests metric exposed by kube-scheduler instead, as it is more precise.", containerRows("requests"));
  family("kube_pod_container_resource_limits", "The number of requested limit resource by a container. It is recommended to use the kube_pod_resource_limits metric exposed by kube-scheduler instead, as it is more precise.", containerRows("limits"));
  family("kube_pod_status_phase", "The pods current phase.", pods.flatMap((p) => phases.map((ph) =>
    `kube_pod_status_phase${fmt([["namespace", p.metadata.namespace ?? ""], ["pod", p.metadata.name ?? ""], ["uid", p.metadata.uid ?? ""], ["phase", ph]])} ${(p.status?.phase ?? "Pending") === ph ? 1 : 0}`)));
  family("kube_pod_start_time", "Start time in unix timestamp for a pod.", pods.filter((p) => p.status?.startTime).map((p) =>
    `kube_pod_start_time${fmt([["namespace", p.metadata.namespace ?? ""], ["pod", p.metadata.name ?? ""], ["uid", p.metadata.uid ?? ""]])} ${Date.parse(p.status.startTime) / 1000}`));
  for (const kind of ["allocatable", "capacity"] as const) {
    family(`kube_node_status_${kind}`, `The ${kind} for different resources of a node.`, nodes.flatMap((n) => Object.entries((n.status?.[kind] ?? {}) as Record<string, string>).map(([r, q]) =>
      `kube_node_status_${kind}${fmt([["node", n.metadata.name ?? ""], ["resource", sanitize(r)], ["unit", unitOf(r)]])} ${parseQuantity(q)}`)));
  }
  return out.join("\n") + "\n";
}
