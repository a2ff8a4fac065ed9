import { ApiError, type DeleteOptions, type KubeObject, type PodLogs } from "../store/types";
import { setCondition } from "../runtime/events";
import { isObject, parseBody, readBody, sendJson } from "./http-util";
import type { RequestContext, Target } from "./rest-handlers";

const success = (code: number) => ({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code });

function getPod(c: RequestContext, t: Target): KubeObject {
  const pod = c.store.getRaw("pods", t.namespace, t.name!);
  if (!pod) throw new ApiError(404, "NotFound", `pods "${t.name}" not found`, { name: t.name, kind: "pods" });
  return pod;
}

/** POST pods/{name}/binding: what a scheduler sends to place a pod on a node. */
export async function bindPod(c: RequestContext, t: Target): Promise<void> {
  const body = parseBody(await readBody(c.req), c.req.headers["content-type"]);
  const node = isObject(body) && isObject(body.target) ? body.target.name : undefined;
  if (typeof node !== "string" || !node) {
    throw new ApiError(422, "Invalid", `Binding "${t.name}" is invalid: target.name: Required value`, { name: t.name, kind: "Binding", causes: [{ field: "target.name", reason: "FieldValueRequired", message: "Required value" }] });
  }
  const pod = getPod(c, t);
  if (pod.spec?.nodeName) throw new ApiError(409, "Conflict", `Operation cannot be fulfilled on pods/binding "${t.name}": pod ${t.name} is already assigned to node "${pod.spec.nodeName}"`, { name: t.name, kind: "pods/binding" });
  if (pod.metadata.deletionTimestamp) throw new ApiError(409, "Conflict", `Operation cannot be fulfilled on pods/binding "${t.name}": pod ${t.name} is being deleted, cannot be assigned to a host`);
  // The node and the PodScheduled condition in one write, as the API server's binding does.
  c.store.mutate("pods", t.namespace, t.name!, (p) => {
    p.spec.nodeName = node;
    p.status ??= {};
    setCondition(p.status, "PodScheduled", "True", undefined, undefined, new Date(c.now()).toISOString());
  }, { subresource: "binding" });
  sendJson(c.res, 201, success(201));
}

/** POST pods/{name}/eviction: a graceful delete (no PodDisruptionBudgets are modelled). */
export async function evictPod(c: RequestContext, t: Target): Promise<void> {
  const body = parseBody(await readBody(c.req), c.req.headers["content-type"]);
  getPod(c, t);
  const opts: DeleteOptions = isObject(body) && isObject(body.deleteOptions) ? (body.deleteOptions as DeleteOptions) : {};
  c.store.delete("pods", t.namespace, t.name!, opts);
  sendJson(c.res, 201, success(201));
}

/** GET pods/{name}/log with container, follow, tailLines, sinceSeconds, timestamps. */
export function podLog(c: RequestContext, t: Target, logs: PodLogs & { has?(ns: string, pod: string, c: string): boolean }): void {
  const pod = getPod(c, t);
  const q = c.query;
  const names: string[] = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((x: { name: string }) => x.name);
  let container = q.get("container") ?? undefined;
  if (!container) {
    if ((pod.spec?.containers ?? []).length !== 1) {
      throw new ApiError(400, "BadRequest", `a container name must be specified for pod ${t.name}, choose one of: [${(pod.spec?.containers ?? []).map((x: { name: string }) => x.name).join(" ")}]`);
    }
    container = pod.spec.containers[0].name as string;
  } else if (!names.includes(container)) {
    throw new ApiError(400, "BadRequest", `container ${container} is not valid for pod ${t.name}`);
  }
  const status = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].find((s: { name: string }) => s.name === container);
  const hasLogs = logs.has ? logs.has(t.namespace!, t.name!, container) : true;
  if (!hasLogs && (!status || status.state?.waiting)) {
    const reason = status?.state?.waiting?.reason ?? "ContainerCreating";
    throw new ApiError(400, "BadRequest", `container "${container}" in pod "${t.name}" is waiting to start: ${reason}`);
  }
  const num = (k: string) => (q.has(k) ? Number(q.get(k)) : undefined);
  const text = logs.read(t.namespace!, t.name!, container, { tailLines: num("tailLines"), sinceSeconds: num("sinceSeconds"), timestamps: q.get("timestamps") === "true" });
  const follow = q.get("follow") === "true" || q.get("follow") === "1";
  const terminated = !!status?.state?.terminated;
  c.res.writeHead(200, { "Content-Type": "text/plain", "Cache-Control": "no-cache, private", ...(follow && !terminated ? { "Transfer-Encoding": "chunked" } : {}) });
  if (!follow || terminated) {
    c.res.end(text);
    return;
  }
  c.res.write(text);
  const stamp = q.get("timestamps") === "true";
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    stop();
    if (!c.res.writableEnded) c.res.end();
    c.onStreamEnd();
  };
  const stop = logs.follow(t.namespace!, t.name!, container, (chunk) => {
    if (c.res.writableEnded) return;
    c.res.write(stamp ? chunk.split(/(?<=\n)/).map((l) => `${new Date(c.now()).toISOString()} ${l}`).join("") : chunk);
  }, finish);
  c.req.on("close", finish);
}
