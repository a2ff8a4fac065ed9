import { getPrisma } from "@/lib/db/prisma";
import { AppError } from "@/lib/errors/app-error";
import { listSessionEvents, type StoredEvent } from "@/lib/sessions/session-events";

/**
 * The progress stream of one session as server-sent events in JupyterHub's shape. Each event's
 * `id` is its sequence number, so a reconnecting EventSource (Last-Event-ID) resumes exactly.
 * The stream ends after `ready` or `failed`, or when the session has ended; a comment every
 * 8 s keeps proxies from closing an idle stream (as JupyterHub does).
 */
export async function openSessionEventStream(opts: {
  userId: string;
  sessionId: string;
  lastEventId: number;
  signal: AbortSignal;
  pollMs?: number;
  db?: ReturnType<typeof getPrisma>;
}): Promise<ReadableStream<Uint8Array>> {
  const db = opts.db ?? getPrisma();
  const owned = await db.session.findFirst({ where: { id: opts.sessionId, userId: opts.userId }, select: { id: true } });
  if (!owned) throw new AppError("NOT_FOUND", "No such session.");
  const encoder = new TextEncoder();
  const pollMs = opts.pollMs ?? 500;
  let after = opts.lastEventId;

  const format = (e: StoredEvent) => {
    const { seq, ...data } = e;
    return encoder.encode(`id: ${seq}\ndata: ${JSON.stringify(data)}\n\n`);
  };

  return new ReadableStream<Uint8Array>({
    async start(controller) {
      let lastWrite = Date.now();
      const close = () => {
        try {
          controller.close();
        } catch {
          // already closed by the client
        }
      };
      opts.signal.addEventListener("abort", close, { once: true });
      controller.enqueue(encoder.encode("retry: 2000\n\n"));
      while (!opts.signal.aborted) {
        try {
          const events = await listSessionEvents(db, opts.sessionId, after);
          for (const e of events) {
            controller.enqueue(format(e));
            after = e.seq;
            lastWrite = Date.now();
            if (e.ready || e.failed) return close();
          }
          if (events.length === 0) {
            const s = await db.session.findFirst({ where: { id: opts.sessionId, userId: opts.userId }, select: { state: true } });
            if (!s || s.state === "stopped" || s.state === "failed") {
              // Events written together with the final state were read above or will be now.
              for (const e of await listSessionEvents(db, opts.sessionId, after)) controller.enqueue(format(e));
              return close();
            }
          }
          if (Date.now() - lastWrite >= 8000) {
            controller.enqueue(encoder.encode(": keepalive\n\n"));
            lastWrite = Date.now();
          }
        } catch {
          return close();
        }
        await new Promise((r) => setTimeout(r, pollMs));
      }
    },
  });
}
