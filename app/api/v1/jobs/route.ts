import { z } from "zod";
import { errorResponse, parseJsonBody } from "@/lib/http/api-response";
import { requireApiCaller } from "@/lib/tokens/api-caller";
import { batchStates } from "@/lib/batch/job-state";
import { listJobs } from "@/lib/batch/job-view";
import { submitJob, submitJobSchema } from "@/lib/batch/submit-job";

export const dynamic = "force-dynamic";

const listQuery = z.object({
  state: z.enum([...batchStates, "active", "finished"]).optional(),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).optional(),
});

/** The caller's batch jobs, newest first: `?state=queued|running|…|active|finished&page=&pageSize=`. */
export async function GET(request: Request): Promise<Response> {
  try {
    const caller = await requireApiCaller(request, "jobs:read");
    const q = listQuery.parse(Object.fromEntries(new URL(request.url).searchParams));
    return Response.json(await listJobs({ userId: caller.id, page: q.page, ...(q.state ? { state: q.state } : {}), ...(q.pageSize ? { pageSize: q.pageSize } : {}) }));
  } catch (e) {
    return errorResponse(e);
  }
}

/** Submits a batch job from one of the caller's running sessions (`session`) or from a catalogue image (`image`). */
export async function POST(request: Request): Promise<Response> {
  try {
    const caller = await requireApiCaller(request, "jobs:write");
    const body = await parseJsonBody(request, submitJobSchema);
    return Response.json({ job: await submitJob({ user: caller, input: body }) }, { status: 201 });
  } catch (e) {
    return errorResponse(e);
  }
}
