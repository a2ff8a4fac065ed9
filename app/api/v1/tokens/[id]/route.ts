import { errorResponse } from "@/lib/http/api-response";
import { requireApiUser } from "@/lib/auth/session";
import { revokeApiToken } from "@/lib/tokens/api-tokens";

export const dynamic = "force-dynamic";

export async function DELETE(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  try {
    const user = await requireApiUser(request);
    await revokeApiToken({ userId: user.id, tokenId: (await params).id });
    return new Response(null, { status: 204 });
  } catch (e) {
    return errorResponse(e);
  }
}
