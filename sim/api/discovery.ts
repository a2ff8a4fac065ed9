import { apiVersionOf } from "../store/memory-store";
import type { ResourceDef } from "../store/types";

/** Plain discovery documents (kubectl falls back to them from aggregated discovery). */
export const versionInfo = {
  major: "1",
  minor: "32",
  gitVersion: "v1.32.0-sim",
  gitCommit: "0000000000000000000000000000000000000000",
  gitTreeState: "clean",
  buildDate: "2026-01-01T00:00:00Z",
  goVersion: "go1.23",
  compiler: "gc",
  platform: "linux/amd64",
};

const subresourceInfo: Record<string, { kind: string; verbs: string[]; group?: string; version?: string }> = {
  status: { kind: "", verbs: ["get", "patch", "update"] },
  log: { kind: "Pod", verbs: ["get"] },
  binding: { kind: "Binding", verbs: ["create"] },
  eviction: { kind: "Eviction", verbs: ["create"], group: "policy", version: "v1" },
  finalize: { kind: "", verbs: ["update"] },
};

export function apiVersions(host: string) {
  return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: host }] };
}

/** Group name -> versions served, in registration order. */
export function groupVersions(defs: ResourceDef[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const d of defs) {
    if (!d.group) continue;
    const vs = out.get(d.group) ?? [];
    if (!vs.includes(d.version)) vs.push(d.version);
    out.set(d.group, vs);
  }
  return out;
}

function apiGroup(name: string, versions: string[]) {
  const vs = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: vs, preferredVersion: vs[0] };
}

export function apiGroupList(defs: ResourceDef[]) {
  return { kind: "APIGroupList", apiVersion: "v1", groups: [...groupVersions(defs)].map(([g, vs]) => apiGroup(g, vs)) };
}

export function apiGroupDoc(group: string, defs: ResourceDef[]) {
  const vs = groupVersions(defs).get(group);
  return vs ? { kind: "APIGroup", apiVersion: "v1", ...apiGroup(group, vs) } : undefined;
}

export function apiResourceList(group: string, version: string, defs: ResourceDef[]) {
  const mine = defs.filter((d) => d.group === group && d.version === version);
  if (!mine.length) return undefined;
  const resources: object[] = [];
  for (const d of mine) {
    resources.push({
      name: d.plural,
      singularName: d.singular,
      namespaced: d.namespaced,
      kind: d.kind,
      verbs: d.verbs ?? ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
      ...(d.shortNames?.length ? { shortNames: d.shortNames } : {}),
      ...(d.categories?.length ? { categories: d.categories } : {}),
    });
    for (const sub of d.subresources ?? []) {
      const info = subresourceInfo[sub] ?? { kind: d.kind, verbs: ["get"] };
      resources.push({
        name: `${d.plural}/${sub}`,
        singularName: "",
        namespaced: d.namespaced,
        ...(info.group ? { group: info.group, version: info.version } : {}),
        kind: info.kind || d.kind,
        verbs: info.verbs,
      });
    }
  }
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: group ? `${group}/${version}` : version, resources };
}

export { apiVersionOf };
