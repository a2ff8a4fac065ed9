import { z } from "zod";
import { AppError } from "@/lib/errors/app-error";
import { errorResponse } from "@/lib/http/api-response";
import { requireApiCaller } from "@/lib/tokens/api-caller";
import { getSession } from "@/lib/sessions/list-sessions";
import { stopSession } from "@/lib/sessions/stop-session";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ id: string }> };

async function sessionId(params: Params["params"]): Promise<string> {
  const { id } = await params;
  if (!z.uuid().safeParse(id).success) throw new AppError("NOT_FOUND", "No such session.");
  return id;
}

export async function GET(request: Request, { params }: Params): Promise<Response> {
  try {
    const caller = await requireApiCaller(request, "sessions:read");
    return Response.json({ session: await getSession({ userId: caller.id, sessionId: await sessionId(params) }) });
  } catch (e) {
    return errorResponse(e);
  }
}

/** Stops the session, or cancels it while it is still queued or starting. */
export async function DELETE(request: Request, { params }: Params): Promise<Response> {
  try {
    const caller = await requireApiCaller(request, "sessions:write");
    return Response.json({ session: await stopSession({ userId: caller.id, sessionId: await sessionId(params) }) });
  } catch (e) {
    return errorResponse(e);
  }
}
