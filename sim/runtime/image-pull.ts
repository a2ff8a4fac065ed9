import type { ImageSpec, Topology } from "../topology/types";
import type { ContainerState } from "./container-state";

const maxBackoffMs = 300_000;

/** Image reference patterns: `*` matches anything ("quay.io/jupyter/*", "busybox:*"). */
export function matchImage(topology: Topology, image: string): ImageSpec | undefined {
  return topology.images.find((i) => new RegExp(`^${i.match.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`).test(image));
}

export interface PullContext {
  topology: Topology;
  /** Images already on this node. */
  cache: Set<string>;
  event(type: "Normal" | "Warning", reason: string, message: string): void;
  /** Simulated sleep; false when the pod started terminating. */
  sleep(ms: number): Promise<boolean>;
  flush(): void;
}

/**
 * Pulls a container's image as the kubelet reports it: Pulling/Pulled events after the topology's
 * delay, "already present" once on the node, and for a missing image ErrImagePull then
 * ImagePullBackOff with back-off retries. Resolves false if the pod started terminating.
 */
export async function pullImage(c: ContainerState, p: PullContext): Promise<boolean> {
  const image = c.spec.image ?? "";
  const spec = matchImage(p.topology, image);
  const policy = (c.spec as { imagePullPolicy?: string }).imagePullPolicy ?? "IfNotPresent";
  if (p.cache.has(image) && policy !== "Always") {
    p.event("Normal", "Pulled", `Container image "${image}" already present on machine`);
    return true;
  }
  let backoff = 10_000;
  for (;;) {
    p.event("Normal", "Pulling", `Pulling image "${image}"`);
    const ms = p.cache.has(image) ? 100 : spec?.pullMs ?? p.topology.defaultPullMs;
    if (!(await p.sleep(ms))) return false;
    if (!spec?.missing) {
      p.cache.add(image);
      p.event("Normal", "Pulled", `Successfully pulled image "${image}" in ${ms}ms (${ms}ms including waiting). Image size: 104857600 bytes.`);
      return true;
    }
    const why = `failed to pull and unpack image "${image}": failed to resolve reference "${image}": not found`;
    p.event("Warning", "Failed", `Failed to pull image "${image}": ${why}`);
    p.event("Warning", "Failed", "Error: ErrImagePull");
    c.state = { waiting: { reason: "ErrImagePull", message: `rpc error: code = NotFound desc = ${why}` } };
    p.flush();
    if (!(await p.sleep(Math.min(backoff, 1000)))) return false;
    p.event("Normal", "BackOff", `Back-off pulling image "${image}"`);
    p.event("Warning", "Failed", "Error: ImagePullBackOff");
    c.state = { waiting: { reason: "ImagePullBackOff", message: `Back-off pulling image "${image}"` } };
    p.flush();
    if (!(await p.sleep(backoff))) return false;
    backoff = Math.min(backoff * 2, maxBackoffMs);
  }
}
