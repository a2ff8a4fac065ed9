import { ZodError } from "zod";
import { GpuHoursChart } from "@/components/charts/gpu-hours-chart";
import { UsageFilters, type UsageFilterValues } from "@/components/usage/usage-filters";
import { UsageTable } from "@/components/usage/usage-table";
import { getPrisma } from "@/lib/db/client";
import { env } from "@/lib/env";
import { isAppError } from "@/lib/errors/app-error";
import { parseUsageQuery, type Dimension } from "@/lib/accounting/usage-query";
import { usageReport, type UsageReport } from "@/lib/accounting/usage-report";

type Params = Record<string, string | string[] | undefined>;

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? undefined;

/** A usage view for the signed-in caller: filters, chart, sortable table and CSV link; bad input → field errors. */
export async function UsageView({ params, caller, dimensions }: { params: Params; caller: { id: string; username: string; isAdmin: boolean }; dimensions: readonly Dimension[] }) {
  const now = new Date();
  const unit = env().ACCOUNTING_UNIT;
  const values: UsageFilterValues = {
    from: one(params.from) ?? new Date(now.getTime() - 29 * 86_400_000).toISOString().slice(0, 10),
    to: one(params.to) ?? now.toISOString().slice(0, 10),
    groupBy: one(params.groupBy) ?? "day",
    by: one(params.by) ?? "profile",
    user: one(params.user),
    group: one(params.group),
  };
  let report: UsageReport | null = null;
  let errors: Record<string, string> = {};
  try {
    const q = parseUsageQuery(params, { now });
    if (!dimensions.includes(q.by)) errors = { by: "not available here" };
    else report = await usageReport(getPrisma(), q, { caller });
  } catch (e) {
    if (e instanceof ZodError) errors = Object.fromEntries(e.issues.map((i) => [String(i.path[0] ?? "from"), i.message]));
    else if (isAppError(e) && e.details?.fields) errors = e.details.fields;
    else throw e;
  }
  const csv = new URLSearchParams(Object.entries(values).filter((x): x is [string, string] => typeof x[1] === "string" && x[1] !== ""));
  const dimensionLabel = { profile: "Profile", source: "Source", user: "User", group: "Group" } as const;
  return (
    <>
      <UsageFilters values={values} dimensions={dimensions} admin={caller.isAdmin} errors={errors} />
      {report ? (
        <div className="space-y-6">
          <p className="text-sm">
            Total: <strong data-testid="usage-total">{report.total.toLocaleString("en-US", { maximumFractionDigits: 2 })}</strong> {unit} from {report.from} to {report.to}.{" "}
            <a href={`/api/v1/usage/export?${csv.toString()}`} className="text-indigo-700 underline dark:text-indigo-300" download>Download CSV</a>
          </p>
          <GpuHoursChart title={`${unit} by ${report.groupBy} and ${report.by === "source" ? "sessions vs jobs" : report.by}`} unit={unit} buckets={report.buckets} series={report.series} />
          <UsageTable caption={`${unit} per ${report.by}`} keyHeader={dimensionLabel[report.by]} buckets={report.buckets} rows={report.series} />
        </div>
      ) : (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">Correct the highlighted fields to see usage.</p>
      )}
    </>
  );
}
