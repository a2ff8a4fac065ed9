import { z } from "zod";
import { AppError } from "@/lib/errors/app-error";
import { errorResponse } from "@/lib/http/api-response";
import { requireApiCaller } from "@/lib/tokens/api-caller";
import { openSessionEventStream } from "@/lib/sessions/event-stream";

export const dynamic = "force-dynamic";

/** Server-sent progress events; resumes after `Last-Event-ID` (header) or `?lastEventId=`. */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  try {
    const caller = await requireApiCaller(request, "sessions:read");
    const { id } = await params;
    if (!z.uuid().safeParse(id).success) throw new AppError("NOT_FOUND", "No such session.");
    const raw = request.headers.get("last-event-id") ?? new URL(request.url).searchParams.get("lastEventId") ?? "0";
    const lastEventId = z.coerce.number().int().min(0).catch(0).parse(raw);
    const stream = await openSessionEventStream({ userId: caller.id, sessionId: id, lastEventId, signal: request.signal });
    return new Response(stream, {
      headers: { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache, no-transform", "X-Accel-Buffering": "no" },
    });
  } catch (e) {
    return errorResponse(e);
  }
}
