import { errorResponse } from "@/lib/http/api-response";
import { requireApiCaller } from "@/lib/tokens/api-caller";
import { cancelJob } from "@/lib/batch/cancel-job";
import { getJob } from "@/lib/batch/job-view";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ id: string }> };

/** One of the caller's jobs with its state history and per-index trials; someone else's is 404. */
export async function GET(request: Request, { params }: Params): Promise<Response> {
  try {
    const caller = await requireApiCaller(request, "jobs:read");
    return Response.json({ job: await getJob({ userId: caller.id, jobId: (await params).id }) });
  } catch (e) {
    return errorResponse(e);
  }
}

/** Cancels the job: deletes the Job and its pods. */
export async function DELETE(request: Request, { params }: Params): Promise<Response> {
  try {
    const caller = await requireApiCaller(request, "jobs:write");
    return Response.json({ job: await cancelJob({ userId: caller.id, jobId: (await params).id }) });
  } catch (e) {
    return errorResponse(e);
  }
}
