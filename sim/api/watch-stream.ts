import type { IncomingMessage, ServerResponse } from "node:http";
import type { MemoryStore } from "../store/memory-store";
import { ApiError, type KubeObject, type ListOptions, type WatchEvent } from "../store/types";
import { objectJson, statusBody } from "./http-util";

export interface WatchParams extends ListOptions {
  bookmarks: boolean;
  timeoutSeconds?: number;
  sendInitialEvents: boolean;
  /** Turns each object into what the client asked for (a Table row for kubectl). */
  render: (o: KubeObject) => unknown;
}

const bookmarkIntervalMs = 5000;

/**
 * A watch as the API server streams it: one JSON event per line over a chunked response, until
 * timeoutSeconds or the client goes away. A version older than the retained history yields an
 * ERROR event carrying a 410 Expired Status, which is how informers learn to re-list.
 */
export function serveWatch(req: IncomingMessage, res: ServerResponse, store: MemoryStore, gr: string, p: WatchParams, onEnd: () => void): void {
  const def = store.resource(gr)!;
  res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-cache, private", "Transfer-Encoding": "chunked" });
  res.flushHeaders();
  const send = (type: string, object: unknown) => {
    // The same text as JSON.stringify({ type, object }).
    if (!res.writableEnded && !res.destroyed) res.write(`{"type":${JSON.stringify(type)},"object":${objectJson(object)}}\n`);
  };
  const timers: NodeJS.Timeout[] = [];
  let unsubscribe = () => {};
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    unsubscribe();
    for (const t of timers) clearTimeout(t);
    if (!res.writableEnded) res.end();
    onEnd();
  };
  req.on("close", finish);
  res.on("error", finish);

  const fresh = p.resourceVersion === undefined || p.resourceVersion === "" || p.resourceVersion === "0";
  const bookmark = (initialEnd = false) =>
    send("BOOKMARK", {
      kind: def.kind,
      apiVersion: def.group ? `${def.group}/${def.version}` : def.version,
      metadata: { resourceVersion: store.currentResourceVersion(), ...(initialEnd ? { annotations: { "k8s.io/initial-events-end": "true" } } : {}) },
    });
  try {
    if (fresh || p.sendInitialEvents) {
      for (const o of store.listRaw(gr, p)) send("ADDED", p.render(o));
      if (p.sendInitialEvents && p.bookmarks) bookmark(true);
    }
    unsubscribe = store.watch(gr, (ev: WatchEvent) => send(ev.type, p.render(ev.object)), {
      namespace: p.namespace,
      labelSelector: p.labelSelector,
      fieldSelector: p.fieldSelector,
      resourceVersion: fresh || p.sendInitialEvents ? undefined : p.resourceVersion,
      raw: true,
    });
  } catch (e) {
    if (e instanceof ApiError) send("ERROR", statusBody(e));
    finish();
    return;
  }
  if (p.bookmarks) {
    const tick = () => {
      bookmark();
      timers[0] = setTimeout(tick, bookmarkIntervalMs);
    };
    timers[0] = setTimeout(tick, bookmarkIntervalMs);
  }
  const timeoutMs = (p.timeoutSeconds && p.timeoutSeconds > 0 ? p.timeoutSeconds : 1800) * 1000;
  timers.push(setTimeout(finish, timeoutMs));
}
