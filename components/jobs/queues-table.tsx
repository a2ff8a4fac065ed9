"use client";

import { useEffect, useState } from "react";
import type { ClusterQueueView } from "@/lib/batch/queue-status";
import { apiFetch } from "@/components/sessions/api-fetch";

/** Kueue ClusterQueues per flavor: quota, usage, borrowed; pending and admitted counts. Live. */
export function QueuesTable({ initial, initialError }: { initial: ClusterQueueView[]; initialError: string | null }) {
  const [queues, setQueues] = useState(initial);
  const [error, setError] = useState(initialError);

  useEffect(() => {
    const t = setInterval(() => {
      apiFetch<{ clusterQueues: ClusterQueueView[] }>("/api/v1/queues").then(
        (r) => {
          setQueues(r.clusterQueues);
          setError(null);
        },
        (e: unknown) => setError(e instanceof Error ? e.message : "Could not refresh the queues."),
      );
    }, 5000);
    return () => clearInterval(t);
  }, []);

  return (
    <div className="space-y-8">
      {error ? <p role="alert" className="text-sm text-red-700 dark:text-red-300">{error}</p> : null}
      {queues.length === 0 && !error ? <p className="text-sm text-slate-600 dark:text-slate-400">No queues are set up in this cluster.</p> : null}
      {queues.map((q) => (
        <section key={q.name} aria-labelledby={`cq-${q.name}`} className="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
          <div className="flex flex-wrap items-baseline gap-x-6 gap-y-1">
            <h2 id={`cq-${q.name}`} className="text-lg font-semibold">{q.name}</h2>
            <span className="text-sm text-slate-600 dark:text-slate-400">cohort {q.cohort ?? "—"}</span>
            <span className="text-sm">{q.pendingWorkloads} pending</span>
            <span className="text-sm">{q.admittedWorkloads} admitted</span>
            {!q.active ? <span className="text-sm text-amber-700 dark:text-amber-300">inactive</span> : null}
          </div>
          <table className="mt-3 min-w-full text-sm">
            <caption className="sr-only">Quota and usage of {q.name} per flavor</caption>
            <thead className="text-left text-xs uppercase text-slate-500 dark:text-slate-400">
              <tr>{["Flavor", "Resource", "Quota", "In use", "Borrowed"].map((h) => <th key={h} scope="col" className="px-2 py-1 font-medium">{h}</th>)}</tr>
            </thead>
            <tbody>
              {q.flavors.flatMap((f) =>
                f.resources.map((r) => (
                  <tr key={`${f.name}/${r.name}`} className="border-t border-slate-100 dark:border-slate-800">
                    <td className="px-2 py-1">{f.name}</td>
                    <td className="px-2 py-1 font-mono text-xs">{r.name}</td>
                    <td className="px-2 py-1">{r.nominalQuota}{r.borrowingLimit !== null ? ` (may borrow ${r.borrowingLimit})` : ""}</td>
                    <td className="px-2 py-1">{r.usage}</td>
                    <td className="px-2 py-1">{r.borrowed}</td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
        </section>
      ))}
    </div>
  );
}
