import type { Db } from "@/lib/db/prisma";
import type { EventLevel, ProgressEvent } from "@/lib/sessions/progress";

/**
 * Progress events of a session, numbered 1, 2, 3… per session: the number is the SSE event id,
 * so a browser that reconnects with Last-Event-ID gets exactly the events it missed.
 */

export interface StoredEvent extends ProgressEvent {
  seq: number;
  level: EventLevel;
  createdAt: string;
}

export async function appendSessionEvent(db: Db, sessionId: string, event: ProgressEvent, level: EventLevel): Promise<number> {
  const last = await db.sessionEvent.findFirst({ where: { sessionId }, orderBy: { seq: "desc" }, select: { seq: true, message: true, progress: true } });
  // The same observation seen twice (informer resync, a second tick) is not a new event.
  if (last && last.message === event.message && last.progress === event.progress) return last.seq;
  const seq = (last?.seq ?? 0) + 1;
  await db.sessionEvent.create({
    data: {
      sessionId,
      seq,
      progress: event.progress,
      message: event.message,
      level,
      ready: event.ready ?? false,
      failed: event.failed ?? false,
      url: event.url ?? null,
    },
  });
  return seq;
}

export async function listSessionEvents(db: Db, sessionId: string, afterSeq: number): Promise<StoredEvent[]> {
  const rows = await db.sessionEvent.findMany({ where: { sessionId, seq: { gt: afterSeq } }, orderBy: { seq: "asc" }, take: 500 });
  return rows.map((r) => ({
    seq: r.seq,
    level: r.level as EventLevel,
    progress: r.progress,
    message: r.message,
    createdAt: r.createdAt.toISOString(),
    ...(r.ready ? { ready: true as const } : {}),
    ...(r.failed ? { failed: true as const } : {}),
    ...(r.url ? { url: r.url } : {}),
  }));
}
