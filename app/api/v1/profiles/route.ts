import { errorResponse } from "@/lib/http/api-response";
import { requireApiCaller } from "@/lib/tokens/api-caller";
import { listCatalogue } from "@/lib/catalog/list-catalogue";

export const dynamic = "force-dynamic";

/** Images, the GPU profiles the caller's groups may use with live free/total and queue length, and their limits. */
export async function GET(request: Request): Promise<Response> {
  try {
    const caller = await requireApiCaller(request, "sessions:read");
    return Response.json(await listCatalogue({ groups: caller.groups }));
  } catch (e) {
    return errorResponse(e);
  }
}
