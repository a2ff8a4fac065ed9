import type { Dimension } from "@/lib/accounting/usage-query";

export interface UsageFilterValues {
  from: string;
  to: string;
  groupBy: string;
  by: string;
  user?: string | undefined;
  group?: string | undefined;
}

const input = "mt-1 block rounded-md border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-900";

/** A plain GET form (works without JavaScript): date range, grouping, dimension, and for admins user/group filters. */
export function UsageFilters({ values, dimensions, admin, errors }: { values: UsageFilterValues; dimensions: readonly Dimension[]; admin: boolean; errors: Record<string, string> }) {
  const err = (f: string) => (errors[f] ? <span id={`${f}-error`} className="mt-1 block text-xs text-red-600 dark:text-red-400">{errors[f]}</span> : null);
  const field = (name: keyof UsageFilterValues, label: string, el: React.ReactNode) => (
    <label className="text-sm">
      {label}
      {el}
      {err(name)}
    </label>
  );
  return (
    <form method="get" className="mb-6 flex flex-wrap items-start gap-4" aria-label="Usage filters">
      {field("from", "From", <input type="date" name="from" defaultValue={values.from} className={input} aria-invalid={!!errors.from} aria-describedby={errors.from ? "from-error" : undefined} />)}
      {field("to", "To", <input type="date" name="to" defaultValue={values.to} className={input} aria-invalid={!!errors.to} aria-describedby={errors.to ? "to-error" : undefined} />)}
      {field("groupBy", "Group by", (
        <select name="groupBy" defaultValue={values.groupBy} className={input}>
          <option value="day">Day</option>
          <option value="week">Week</option>
          <option value="month">Month</option>
        </select>
      ))}
      {field("by", "Split by", (
        <select name="by" defaultValue={values.by} className={input}>
          {dimensions.map((d) => <option key={d} value={d}>{d === "source" ? "sessions vs jobs" : d}</option>)}
        </select>
      ))}
      {admin ? field("user", "User", <input type="text" name="user" defaultValue={values.user ?? ""} placeholder="any" className={input} />) : null}
      {admin ? field("group", "Group", <input type="text" name="group" defaultValue={values.group ?? ""} placeholder="any" className={input} />) : null}
      <button type="submit" className="mt-6 rounded-md bg-indigo-600 px-4 py-1.5 text-sm font-medium text-white hover:bg-indigo-500">Show</button>
    </form>
  );
}
