import type { KubeObject, Store } from "../store/types";

/** A container's environment cannot be built yet (missing Secret/ConfigMap key): CreateContainerConfigError. */
export class ContainerConfigError extends Error {}

/** Kubernetes $(VAR) expansion: defined names are replaced, `$$` escapes, unknown references stay as written. */
export function expandVars(s: string, vars: Record<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === "$$") return "$";
    return name !== undefined && name in vars ? vars[name]! : m;
  });
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: { fieldPath: string };
    resourceFieldRef?: { resource: string; containerName?: string };
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
  };
}
interface EnvFrom { prefix?: string; configMapRef?: { name: string; optional?: boolean }; secretRef?: { name: string; optional?: boolean } }
export interface ContainerSpec {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: EnvVar[];
  envFrom?: EnvFrom[];
  ports?: { containerPort: number; name?: string }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readinessProbe?: Probe;
}
export interface Probe {
  httpGet?: { path?: string; port: number | string; host?: string; scheme?: string; httpHeaders?: { name: string; value: string }[] };
  tcpSocket?: { port: number | string; host?: string };
  exec?: { command: string[] };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
}

/** Values of downward-API fieldRef paths the kubelet supports. */
export function fieldValue(pod: KubeObject, path: string): string | undefined {
  const sub = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (sub) return (pod.metadata[sub[1] as "labels" | "annotations"] ?? {})[sub[2]!];
  switch (path) {
    case "metadata.name": return pod.metadata.name;
    case "metadata.namespace": return pod.metadata.namespace;
    case "metadata.uid": return pod.metadata.uid;
    case "spec.nodeName": return pod.spec?.nodeName;
    case "spec.serviceAccountName": return pod.spec?.serviceAccountName;
    case "status.podIP": return pod.status?.podIP;
    case "status.podIPs": return pod.status?.podIP;
    case "status.hostIP": case "status.hostIPs": return pod.status?.hostIP;
    default: return undefined;
  }
}

function decode(secret: KubeObject, key: string): string | undefined {
  const data = secret.data as Record<string, string> | undefined;
  if (data?.[key] !== undefined) return Buffer.from(data[key], "base64").toString("utf8");
  return (secret.stringData as Record<string, string> | undefined)?.[key];
}

/** The container's environment as the kubelet computes it (envFrom first, then env in order with $(VAR) expansion). */
export function containerEnv(store: Store, pod: KubeObject, c: ContainerSpec): Record<string, string> {
  const ns = pod.metadata.namespace;
  const env: Record<string, string> = {};
  for (const from of c.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref) continue;
    const gr = from.configMapRef ? "configmaps" : "secrets";
    const obj = store.get(gr, ns, ref.name);
    if (!obj) {
      if (ref.optional) continue;
      throw new ContainerConfigError(`${gr === "secrets" ? "secret" : "configmap"} "${ref.name}" not found`);
    }
    const keys = Object.keys((obj.data ?? {}) as object);
    for (const k of keys) env[(from.prefix ?? "") + k] = gr === "secrets" ? decode(obj, k) ?? "" : String((obj.data as Record<string, string>)[k]);
  }
  for (const e of c.env ?? []) {
    const vf = e.valueFrom;
    if (!vf) {
      env[e.name] = expandVars(e.value ?? "", env);
      continue;
    }
    if (vf.fieldRef) env[e.name] = fieldValue(pod, vf.fieldRef.fieldPath) ?? "";
    else if (vf.resourceFieldRef) {
      const target = (pod.spec?.containers as ContainerSpec[] | undefined)?.find((x) => x.name === (vf.resourceFieldRef!.containerName ?? c.name)) ?? c;
      const [kind, res] = vf.resourceFieldRef.resource.split(".", 2) as ["limits" | "requests", string];
      env[e.name] = target.resources?.[kind]?.[res] ?? "0";
    } else {
      const ref = vf.secretKeyRef ?? vf.configMapKeyRef!;
      const gr = vf.secretKeyRef ? "secrets" : "configmaps";
      const obj = store.get(gr, ns, ref.name);
      const val = obj && (gr === "secrets" ? decode(obj, ref.key) : (obj.data as Record<string, string> | undefined)?.[ref.key]);
      if (val === undefined) {
        if (ref.optional) continue;
        throw new ContainerConfigError(obj ? `couldn't find key ${ref.key} in ${gr === "secrets" ? "Secret" : "ConfigMap"} ${ns}/${ref.name}` : `${gr === "secrets" ? "secret" : "configmap"} "${ref.name}" not found`);
      }
      env[e.name] = val;
    }
  }
  return env;
}
