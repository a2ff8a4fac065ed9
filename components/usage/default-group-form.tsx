"use client";

import { useActionState } from "react";
import type { DefaultGroupState } from "@/app/(hub)/usage/actions";

/** The group new sessions and jobs are charged to when the form does not name one. */
export function DefaultGroupForm({ action, groups, current }: { action: (s: DefaultGroupState, f: FormData) => Promise<DefaultGroupState>; groups: string[]; current: string }) {
  const [state, formAction, pending] = useActionState(action, { ok: true, message: "" });
  return (
    <form action={formAction} className="mb-6 flex flex-wrap items-end gap-3 text-sm" aria-label="Charged group">
      <label>
        Charge my sessions and jobs to
        <select name="group" defaultValue={current} className="ml-2 rounded-md border border-slate-300 bg-white px-2 py-1 dark:border-slate-700 dark:bg-slate-900">
          {groups.map((g) => <option key={g} value={g}>{g}</option>)}
        </select>
      </label>
      <button type="submit" disabled={pending} className="rounded-md border border-slate-300 px-3 py-1 hover:bg-slate-50 disabled:opacity-50 dark:border-slate-700 dark:hover:bg-slate-800">Save</button>
      {state.message ? <span role={state.ok ? "status" : "alert"} className={state.ok ? "text-emerald-700 dark:text-emerald-400" : "text-red-700 dark:text-red-400"}>{state.message}</span> : null}
    </form>
  );
}
