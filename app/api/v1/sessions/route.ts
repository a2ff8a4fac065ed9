import { errorResponse, parseJsonText } from "@/lib/http/api-response";
import { requireApiCaller } from "@/lib/tokens/api-caller";
import { listSessions } from "@/lib/sessions/list-sessions";
import { spawnInputSchema, spawnSession } from "@/lib/sessions/spawn-session";

export const dynamic = "force-dynamic";

/** The caller's sessions (active, and those ended in the last 24 h). */
export async function GET(request: Request): Promise<Response> {
  try {
    const caller = await requireApiCaller(request, "sessions:read");
    return Response.json({ sessions: await listSessions({ userId: caller.id }) });
  } catch (e) {
    return errorResponse(e);
  }
}

/**
 * Spawns a session; `Idempotency-Key` (header or body) makes a retried request return the same one.
 * The body is read first; who is asking is checked, and then the body parsed, when the spawn's turn
 * in the queue comes (spawnSession), so a burst of spawns does not hold up other requests.
 */
export async function POST(request: Request): Promise<Response> {
  try {
    const text = await request.text();
    const { session, created } = await spawnSession({
      authenticate: () => requireApiCaller(request, "sessions:write"),
      readInput: () => {
        const body = parseJsonText(text, spawnInputSchema);
        const headerKey = request.headers.get("idempotency-key");
        return headerKey && !body.idempotencyKey ? { ...body, idempotencyKey: headerKey } : body;
      },
    });
    return Response.json({ session }, { status: created ? 201 : 200 });
  } catch (e) {
    return errorResponse(e);
  }
}
