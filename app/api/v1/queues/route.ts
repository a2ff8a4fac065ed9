import { errorResponse } from "@/lib/http/api-response";
import { requireApiCaller } from "@/lib/tokens/api-caller";
import { kube } from "@/lib/kube/client";
import { readClusterQueues } from "@/lib/batch/queue-status";

export const dynamic = "force-dynamic";

/** Kueue ClusterQueues with quota, usage, borrowed, pending and admitted counts (any signed-in user). */
export async function GET(request: Request): Promise<Response> {
  try {
    await requireApiCaller(request, "jobs:read");
    return Response.json({ clusterQueues: await readClusterQueues(kube()) });
  } catch (e) {
    return errorResponse(e);
  }
}
