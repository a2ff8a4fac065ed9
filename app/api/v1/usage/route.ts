import { errorResponse } from "@/lib/http/api-response";
import { requireApiUser } from "@/lib/auth/session";
import { hasRole } from "@/lib/auth/roles";
import { getPrisma } from "@/lib/db/client";
import { env } from "@/lib/env";
import { parseUsageQuery } from "@/lib/accounting/usage-query";
import { usageReport } from "@/lib/accounting/usage-report";

export const dynamic = "force-dynamic";

/** `GET /api/v1/usage?from=&to=&groupBy=day|week|month&by=profile|source|user|group[&user=][&group=]`: admins see everyone, others themselves. */
export async function GET(request: Request): Promise<Response> {
  try {
    const user = await requireApiUser(request);
    const q = parseUsageQuery(new URL(request.url).searchParams, { now: new Date() });
    const report = await usageReport(getPrisma(), q, { caller: { id: user.id, username: user.username, isAdmin: hasRole(user.roles, "admin") } });
    return Response.json({ unit: env().ACCOUNTING_UNIT, ...report });
  } catch (e) {
    return errorResponse(e);
  }
}
