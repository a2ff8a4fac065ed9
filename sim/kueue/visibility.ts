import type { IncomingMessage, ServerResponse } from "node:http";
import type { KubeObject, SimContext } from "../store/types";
import { GR } from "./api-types";
import type { KueueScheduler, PendingEntry } from "./scheduler";

/**
 * The visibility API (visibility.kueue.x-k8s.io/v1beta1, reference §1.11): pending workloads of a
 * ClusterQueue or LocalQueue in queue order with 0-based positions, `limit` (default 1000) and
 * `offset`. The API server matches extra routes by exact path, so a route is registered per queue
 * as queues appear; a deleted queue's route answers 404.
 */
const PREFIX = "/apis/visibility.kueue.x-k8s.io/v1beta1";

function summary(entries: PendingEntry[], all: PendingEntry[], url: URL): object {
  const limit = Number(url.searchParams.get("limit") ?? 1000);
  const offset = Number(url.searchParams.get("offset") ?? 0);
  const lqPos = new Map<string, number>();
  const positions = all.map((e) => {
    const k = `${e.wl.metadata.namespace}/${e.localQueue}`;
    const p = lqPos.get(k) ?? 0;
    lqPos.set(k, p + 1);
    return p;
  });
  const items = entries.map((e) => {
    const i = all.indexOf(e);
    const m = e.wl.metadata;
    return {
      metadata: {
        name: m.name, namespace: m.namespace, creationTimestamp: m.creationTimestamp,
        ...(m.ownerReferences ? { ownerReferences: m.ownerReferences.map(({ apiVersion, kind, name, uid }) => ({ apiVersion, kind, name, uid })) } : {}),
      },
      priority: e.model.priority,
      localQueueName: e.localQueue,
      positionInClusterQueue: i,
      positionInLocalQueue: positions[i],
    };
  });
  return { kind: "PendingWorkloadsSummary", apiVersion: "visibility.kueue.x-k8s.io/v1beta1", metadata: { creationTimestamp: null }, items: items.slice(offset, offset + limit) };
}

function send(res: ServerResponse, code: number, body: object): void {
  res.writeHead(code, { "Content-Type": "application/json" }).end(JSON.stringify(body));
}

function notFound(res: ServerResponse, kind: string, name: string): void {
  send(res, 404, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: `${kind}.kueue.x-k8s.io "${name}" not found`, reason: "NotFound", details: { name, group: "kueue.x-k8s.io", kind }, code: 404 });
}

export function startVisibility(ctx: SimContext, scheduler: KueueScheduler): () => void {
  const registered = new Set<string>();
  const pendingOf = (cq: string) => (scheduler.last ?? scheduler.cycle()).pending.get(cq) ?? [];
  const route = (path: string, handler: (req: IncomingMessage, res: ServerResponse) => void) => {
    if (registered.has(path)) return;
    registered.add(path);
    ctx.registerRoute("GET", path, handler);
  };
  const onCq = (cq: KubeObject) => {
    const name = cq.metadata.name!;
    route(`${PREFIX}/clusterqueues/${name}/pendingworkloads`, (req, res) => {
      if (!ctx.store.get(GR.clusterQueues, undefined, name)) return notFound(res, "clusterqueues", name);
      const all = pendingOf(name);
      send(res, 200, summary(all, all, new URL(req.url ?? "/", "http://x")));
    });
  };
  const onLq = (lq: KubeObject) => {
    const { name, namespace } = lq.metadata;
    route(`${PREFIX}/namespaces/${namespace}/localqueues/${name}/pendingworkloads`, (req, res) => {
      const cur = ctx.store.get(GR.localQueues, namespace, name!);
      if (!cur) return notFound(res, "localqueues", name!);
      const all = pendingOf(cur.spec.clusterQueue);
      const mine = all.filter((e) => e.wl.metadata.namespace === namespace && e.localQueue === name);
      send(res, 200, summary(mine, all, new URL(req.url ?? "/", "http://x")));
    });
  };
  const a = ctx.store.watch(GR.clusterQueues, (ev) => ev.type === "ADDED" && onCq(ev.object), { raw: true });
  const b = ctx.store.watch(GR.localQueues, (ev) => ev.type === "ADDED" && onLq(ev.object), { raw: true });
  for (const cq of ctx.store.list(GR.clusterQueues)) onCq(cq);
  for (const lq of ctx.store.list(GR.localQueues)) onLq(lq);
  return () => {
    a();
    b();
  };
}
