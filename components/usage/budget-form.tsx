"use client";

import { useActionState } from "react";
import type { BudgetFormState } from "@/app/admin/budgets/actions";

const input = "mt-1 block w-40 rounded-md border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-900";

/** Add or change a budget (same group and profile = change); field errors under each field, the refused values kept. */
export function BudgetForm({ action, profiles }: { action: (s: BudgetFormState, f: FormData) => Promise<BudgetFormState>; profiles: string[] }) {
  const [state, formAction, pending] = useActionState(action, { ok: true, message: "", fields: {} });
  const v = state.values ?? {};
  const err = (f: string) => (state.fields[f] ? <span id={`${f}-error`} className="mt-1 block text-xs text-red-600 dark:text-red-400">{state.fields[f]}</span> : null);
  return (
    <form action={formAction} className="mb-8 flex flex-wrap items-start gap-4 rounded-lg border border-slate-200 p-4 dark:border-slate-800" aria-label="Set a budget">
      <label className="text-sm">Group<input name="group" required defaultValue={v.group} className={input} aria-invalid={!!state.fields.group} aria-describedby={state.fields.group ? "group-error" : undefined} />{err("group")}</label>
      <label className="text-sm">
        GPU profile
        <select name="profileKey" className={input} defaultValue={v.profileKey || "*"}>
          <option value="*">all GPU profiles</option>
          {profiles.map((p) => <option key={p} value={p}>{p}</option>)}
        </select>
        {err("profileKey")}
      </label>
      <label className="text-sm">Monthly budget (hours)<input name="monthlyGpuHours" inputMode="decimal" required defaultValue={v.monthlyGpuHours} className={input} aria-invalid={!!state.fields.monthlyGpuHours} aria-describedby={state.fields.monthlyGpuHours ? "monthlyGpuHours-error" : undefined} />{err("monthlyGpuHours")}</label>
      <label className="text-sm">Per-user cap (optional)<input name="userCap" inputMode="decimal" defaultValue={v.userCap} className={input} aria-invalid={!!state.fields.userCap} aria-describedby={state.fields.userCap ? "userCap-error" : undefined} />{err("userCap")}</label>
      <button type="submit" disabled={pending} className="mt-6 rounded-md bg-indigo-600 px-4 py-1.5 text-sm font-medium text-white hover:bg-indigo-500 disabled:opacity-50">Save budget</button>
      {state.message ? <p role={state.ok ? "status" : "alert"} className={`w-full text-sm ${state.ok ? "text-emerald-700 dark:text-emerald-400" : "text-red-700 dark:text-red-400"}`}>{state.message}</p> : null}
    </form>
  );
}
