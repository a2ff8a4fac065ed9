import { z } from "zod";
import { errorResponse } from "@/lib/http/api-response";
import { requireApiUser } from "@/lib/auth/session";
import { hasRole } from "@/lib/auth/roles";
import { getPrisma } from "@/lib/db/client";
import { env } from "@/lib/env";
import { log } from "@/lib/log";
import { prometheusFromEnv } from "@/lib/metrics/prometheus-client";
import { readSessionGpu } from "@/lib/metrics/session-gpu";

export const dynamic = "force-dynamic";

const params = z.object({ id: z.uuid({ message: "must be a session id" }), minutes: z.coerce.number().int().min(5).max(24 * 60).default(60) });

/** `GET /api/v1/usage/sessions/{id}/gpu?minutes=60`: the session's GPU activity and memory; `{ available: false, reason }` when Prometheus cannot say. */
export async function GET(request: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  try {
    const user = await requireApiUser(request);
    const { id, minutes } = params.parse({ id: (await ctx.params).id, minutes: new URL(request.url).searchParams.get("minutes") ?? undefined });
    const prom = prometheusFromEnv(env(), log);
    return Response.json(await readSessionGpu(prom, getPrisma(), { sessionId: id, userId: user.id, isAdmin: hasRole(user.roles, "admin"), minutes }));
  } catch (e) {
    return errorResponse(e);
  }
}
