import { errorResponse } from "@/lib/http/api-response";
import { requireApiCaller } from "@/lib/tokens/api-caller";
import { resubmitJob } from "@/lib/batch/submit-job";

export const dynamic = "force-dynamic";

/** Submits a copy of one of the caller's jobs with the spec it was submitted with. */
export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  try {
    const caller = await requireApiCaller(request, "jobs:write");
    return Response.json({ job: await resubmitJob({ user: caller, jobId: (await params).id }) }, { status: 201 });
  } catch (e) {
    return errorResponse(e);
  }
}
