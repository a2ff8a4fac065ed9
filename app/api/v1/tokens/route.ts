import { errorResponse, parseJsonBody } from "@/lib/http/api-response";
import { requireApiUser } from "@/lib/auth/session";
import { createApiToken, createApiTokenSchema, listApiTokens } from "@/lib/tokens/api-tokens";

export const dynamic = "force-dynamic";

// Tokens are managed with the browser session only: a token cannot mint or list tokens.
export async function GET(request: Request): Promise<Response> {
  try {
    const user = await requireApiUser(request);
    return Response.json({ tokens: await listApiTokens({ userId: user.id }) });
  } catch (e) {
    return errorResponse(e);
  }
}

/** Creates a token; the response is the only time the token itself is shown. */
export async function POST(request: Request): Promise<Response> {
  try {
    const user = await requireApiUser(request);
    const input = await parseJsonBody(request, createApiTokenSchema);
    return Response.json(await createApiToken({ userId: user.id, input }), { status: 201, headers: { "Cache-Control": "no-store" } });
  } catch (e) {
    return errorResponse(e);
  }
}
