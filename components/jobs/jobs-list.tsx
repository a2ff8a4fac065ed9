"use client";

import Link from "next/link";
import { useCallback, useEffect, useRef, useState } from "react";
import type { JobPage } from "@/lib/batch/job-view";
import { apiFetch } from "@/components/sessions/api-fetch";
import { JobStateBadge } from "@/components/jobs/job-state-badge";

const FILTERS = [
  ["", "All"],
  ["active", "Active"],
  ["queued", "Queued"],
  ["running", "Running"],
  ["preempted", "Preempted"],
  ["succeeded", "Succeeded"],
  ["failed", "Failed"],
  ["cancelled", "Cancelled"],
] as const;

/** My batch jobs with a state filter and pages, refreshed every few seconds without a reload. */
export function JobsList({ initial }: { initial: JobPage }) {
  const [data, setData] = useState(initial);
  const [state, setState] = useState("");
  const [page, setPage] = useState(1);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const view = useRef({ page: 1, state: "" });

  const load = useCallback(async (next: { page: number; state: string }) => {
    view.current = next;
    try {
      const q = new URLSearchParams({ page: String(next.page), ...(next.state ? { state: next.state } : {}) });
      const result = await apiFetch<JobPage>(`/api/v1/jobs?${q}`);
      // A slower answer for an earlier filter must not overwrite the current one.
      if (view.current === next) setData(result);
      setError(null);
    } catch (e) {
      setError(e instanceof Error ? e.message : "Could not refresh the list.");
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    const t = setInterval(() => void load(view.current), 3000);
    return () => clearInterval(t);
  }, [load]);

  function show(next: { page: number; state: string }) {
    setLoading(true);
    setPage(next.page);
    setState(next.state);
    void load(next);
  }

  const pages = Math.max(1, Math.ceil(data.total / data.pageSize));
  return (
    <div>
      <div className="mb-3 flex flex-wrap items-center gap-3">
        <label htmlFor="job-state-filter" className="text-sm font-medium">Show</label>
        <select
          id="job-state-filter"
          value={state}
          onChange={(e) => show({ page: 1, state: e.target.value })}
          className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-900"
        >
          {FILTERS.map(([v, l]) => (
            <option key={v} value={v}>{l}</option>
          ))}
        </select>
        {loading ? <span role="status" className="text-sm text-slate-500 dark:text-slate-400">Loading…</span> : null}
      </div>
      {error ? <p role="alert" className="mb-3 text-sm text-red-700 dark:text-red-300">{error}</p> : null}
      {data.jobs.length === 0 ? (
        <div className="rounded-lg border border-dashed border-slate-300 p-10 text-center dark:border-slate-700">
          <h2 className="text-base font-semibold">{state ? "No jobs in this state" : "No batch jobs yet"}</h2>
          <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">
            Open a running <Link href="/sessions" className="text-indigo-700 underline dark:text-indigo-300">session</Link> and choose “Run as batch job”, or submit
            with <code>curl</code> or the <code>ai-hub</code> command from a terminal.
          </p>
        </div>
      ) : (
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
          <table className="min-w-full text-sm">
            <caption className="sr-only">My batch jobs</caption>
            <thead className="bg-slate-50 text-left text-xs uppercase text-slate-500 dark:bg-slate-800 dark:text-slate-400">
              <tr>
                {["Name", "State", "What is happening", "Trials", "GPU", "Submitted"].map((h) => (
                  <th key={h} scope="col" className="px-3 py-2 font-medium">{h}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {data.jobs.map((j) => (
                <tr key={j.id} className="border-t border-slate-100 align-top dark:border-slate-800">
                  <td className="px-3 py-2 font-medium">
                    <Link href={`/jobs/${j.id}`} className="text-indigo-700 underline dark:text-indigo-300">{j.name}</Link>
                  </td>
                  <td className="px-3 py-2"><JobStateBadge state={j.state} /></td>
                  <td className="max-w-md px-3 py-2 text-slate-700 dark:text-slate-300">{j.message}</td>
                  <td className="px-3 py-2">{j.trials}</td>
                  <td className="px-3 py-2">{j.profileKey ?? "CPU only"}{j.target === "offload" ? " (offloaded)" : ""}</td>
                  <td className="px-3 py-2 whitespace-nowrap">{new Date(j.createdAt).toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pages > 1 ? (
        <nav aria-label="Pages" className="mt-3 flex items-center gap-3 text-sm">
          <button type="button" disabled={page <= 1} onClick={() => show({ page: page - 1, state })} className="rounded-md border border-slate-300 px-3 py-1 disabled:opacity-50 dark:border-slate-700">Previous</button>
          <span>Page {page} of {pages}</span>
          <button type="button" disabled={page >= pages} onClick={() => show({ page: page + 1, state })} className="rounded-md border border-slate-300 px-3 py-1 disabled:opacity-50 dark:border-slate-700">Next</button>
        </nav>
      ) : null}
    </div>
  );
}
