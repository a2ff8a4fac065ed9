import { PageHeader } from "@/components/ui/page-header";
import { BudgetForm } from "@/components/usage/budget-form";
import { requireRole } from "@/lib/auth/session";
import { getPrisma } from "@/lib/db/client";
import { env } from "@/lib/env";
import { listBudgets } from "@/lib/budgets/manage-budgets";
import { deleteBudgetAction, saveBudgetAction } from "./actions";

export const dynamic = "force-dynamic";

export default async function BudgetsPage() {
  await requireRole("admin");
  const db = getPrisma();
  const unit = env().ACCOUNTING_UNIT;
  const { month, budgets } = await listBudgets(db);
  const profiles = (await db.gpuProfile.findMany({ orderBy: { sortOrder: "desc" }, select: { key: true } })).map((p) => p.key);
  const fmt = (n: number) => n.toLocaleString("en-US", { maximumFractionDigits: 1 });
  return (
    <>
      <PageHeader title="Budgets" description={`Monthly ${unit} per group, for all GPU profiles or one; spawns and submissions beyond them are refused, with a warning from 80 %.`} />
      <BudgetForm action={saveBudgetAction} profiles={profiles} />
      <div className="overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-800">
        <table className="w-full text-sm">
          <caption className="sr-only">Budgets and their use in {month}</caption>
          <thead className="bg-slate-50 dark:bg-slate-900">
            <tr>{["Group", "Profile", "Budget", "Per-user cap", `Used in ${month}`, "", "Changed by", ""].map((h, i) => <th key={i} scope="col" className="px-3 py-2 text-left font-medium">{h}</th>)}</tr>
          </thead>
          <tbody>
            {budgets.map((b) => (
              <tr key={b.id} className="border-t border-slate-100 dark:border-slate-800">
                <th scope="row" className="px-3 py-2 text-left font-normal">{b.group}</th>
                <td className="px-3 py-2">{b.profileKey === "*" ? "all" : b.profileKey}</td>
                <td className="px-3 py-2 tabular-nums">{fmt(b.monthlyGpuHours)}</td>
                <td className="px-3 py-2 tabular-nums">{b.userCap === null ? "—" : fmt(b.userCap)}</td>
                <td className="px-3 py-2 tabular-nums">{fmt(b.used)}</td>
                <td className="px-3 py-2">
                  <meter min={0} max={100} low={80} high={99} optimum={0} value={Math.min(100, b.percent)} aria-label={`${Math.floor(b.percent)} % used`} />{" "}
                  <span className={b.percent >= 80 ? "text-amber-700 dark:text-amber-400" : ""}>{Math.floor(b.percent)} %</span>
                </td>
                <td className="px-3 py-2 text-slate-600 dark:text-slate-400">{b.createdBy}</td>
                <td className="px-3 py-2">
                  <form action={deleteBudgetAction}>
                    <input type="hidden" name="id" value={b.id} />
                    <button type="submit" className="text-red-700 hover:underline dark:text-red-400" aria-label={`Delete the budget of ${b.group} (${b.profileKey === "*" ? "all" : b.profileKey})`}>Delete</button>
                  </form>
                </td>
              </tr>
            ))}
            {budgets.length === 0 ? <tr><td colSpan={8} className="px-3 py-6 text-center text-slate-500">No budgets: every group may use GPUs without a monthly limit.</td></tr> : null}
          </tbody>
        </table>
      </div>
    </>
  );
}
