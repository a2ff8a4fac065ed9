import { z } from "zod";
import { errorResponse } from "@/lib/http/api-response";
import { requireApiCaller } from "@/lib/tokens/api-caller";
import { readJobLog } from "@/lib/batch/job-logs";

export const dynamic = "force-dynamic";

const query = z.object({
  index: z.coerce.number().int().min(0).default(0),
  follow: z.enum(["1", "true", "0", "false"]).optional().transform((v) => v === "1" || v === "true"),
  download: z.enum(["1", "true"]).optional(),
});

/**
 * The log of one completion index as text/plain; `follow=1` streams it until the trial ends,
 * `download=1` makes the browser save it as a file.
 */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  try {
    const caller = await requireApiCaller(request, "jobs:read");
    const { id } = await params;
    const q = query.parse(Object.fromEntries(new URL(request.url).searchParams));
    const log = await readJobLog({ userId: caller.id, jobId: id, index: q.index, follow: q.follow, signal: request.signal });
    const headers: Record<string, string> = {
      "content-type": "text/plain; charset=utf-8",
      "cache-control": "no-store",
      "x-log-source": log.source,
      // Lets a reverse proxy pass a followed log through without buffering it.
      "x-accel-buffering": "no",
    };
    if (q.download) headers["content-disposition"] = `attachment; filename="job-${id}-trial-${q.index}.log"`;
    return new Response(log.stream, { headers });
  } catch (e) {
    return errorResponse(e);
  }
}
