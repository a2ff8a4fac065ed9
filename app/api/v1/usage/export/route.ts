import { errorResponse } from "@/lib/http/api-response";
import { requireApiUser } from "@/lib/auth/session";
import { hasRole } from "@/lib/auth/roles";
import { getPrisma } from "@/lib/db/client";
import { env } from "@/lib/env";
import { parseUsageQuery } from "@/lib/accounting/usage-query";
import { usageCsv, usageReport } from "@/lib/accounting/usage-report";

export const dynamic = "force-dynamic";

/** The CSV of any usage view: same parameters and rights as GET /api/v1/usage. */
export async function GET(request: Request): Promise<Response> {
  try {
    const user = await requireApiUser(request);
    const q = parseUsageQuery(new URL(request.url).searchParams, { now: new Date() });
    const report = await usageReport(getPrisma(), q, { caller: { id: user.id, username: user.username, isAdmin: hasRole(user.roles, "admin") } });
    const name = `usage-${q.by}-${q.groupBy}-${q.from}-${q.to}.csv`;
    return new Response(usageCsv(report, env().ACCOUNTING_UNIT), {
      headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="${name}"`, "cache-control": "no-store" },
    });
  } catch (e) {
    return errorResponse(e);
  }
}
