"use client";

import { useRouter } from "next/navigation";
import { useCallback, useEffect, useState } from "react";
import type { BatchJobDetail } from "@/lib/batch/job-view";
import { apiFetch } from "@/components/sessions/api-fetch";
import { JobStateBadge, formatDuration } from "@/components/jobs/job-state-badge";
import { JobLogViewer } from "@/components/jobs/job-log-viewer";

/** A job's state, history (Preempted → Queued again included), trials per index and logs; live. */
export function JobDetail({ initial }: { initial: BatchJobDetail }) {
  const router = useRouter();
  const [job, setJob] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<"cancel" | "resubmit" | null>(null);

  const refresh = useCallback(async () => {
    try {
      setJob((await apiFetch<{ job: BatchJobDetail }>(`/api/v1/jobs/${initial.id}`)).job);
    } catch (e) {
      setError(e instanceof Error ? e.message : "Could not refresh the job.");
    }
  }, [initial.id]);

  useEffect(() => {
    if (job.final) return;
    const t = setInterval(() => void refresh(), 2000);
    return () => clearInterval(t);
  }, [refresh, job.final]);

  async function cancel() {
    if (!window.confirm("Cancel this job? Its pods are deleted.")) return;
    setBusy("cancel");
    try {
      await apiFetch(`/api/v1/jobs/${job.id}`, { method: "DELETE" });
      await refresh();
    } catch (e) {
      setError(e instanceof Error ? e.message : "Could not cancel the job.");
    } finally {
      setBusy(null);
    }
  }

  async function resubmit() {
    setBusy("resubmit");
    try {
      const { job: copy } = await apiFetch<{ job: { id: string } }>(`/api/v1/jobs/${job.id}/resubmit`, { method: "POST" });
      router.push(`/jobs/${copy.id}`);
    } catch (e) {
      setError(e instanceof Error ? e.message : "Could not resubmit the job.");
      setBusy(null);
    }
  }

  const spec = job.spec as { script?: string; workingDir?: string };
  return (
    <div>
      <div className="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
        <div className="flex flex-wrap items-center gap-3">
          <JobStateBadge state={job.state} />
          <p aria-live="polite" className="text-sm">{job.message}</p>
        </div>
        {job.detail ? <p className="mt-2 text-xs text-slate-500 dark:text-slate-400">Kueue / Kubernetes: {job.detail}</p> : null}
        <dl className="mt-4 grid grid-cols-2 gap-x-6 gap-y-2 text-sm sm:grid-cols-4">
          <div><dt className="text-slate-500 dark:text-slate-400">GPU profile</dt><dd>{job.profileKey ?? "CPU only"}</dd></div>
          <div><dt className="text-slate-500 dark:text-slate-400">Per trial</dt><dd>{job.cpu} CPU, {job.memoryGiB} GiB</dd></div>
          <div><dt className="text-slate-500 dark:text-slate-400">Trials</dt><dd>{job.trials}</dd></div>
          <div><dt className="text-slate-500 dark:text-slate-400">Time limit</dt><dd>{formatDuration(job.deadlineSeconds)}</dd></div>
          <div><dt className="text-slate-500 dark:text-slate-400">Priority</dt><dd>{job.priority}</dd></div>
          <div><dt className="text-slate-500 dark:text-slate-400">Where</dt><dd>{job.target === "offload" ? "Offloaded (interLink)" : "This cluster"}</dd></div>
          <div><dt className="text-slate-500 dark:text-slate-400">Image</dt><dd className="break-all">{job.image}</dd></div>
          {job.exitCode !== null ? <div><dt className="text-slate-500 dark:text-slate-400">Exit code</dt><dd>{job.exitCode}</dd></div> : null}
        </dl>
        <div className="mt-4 flex gap-3">
          {!job.final ? (
            <button type="button" onClick={() => void cancel()} disabled={busy !== null} className="rounded-md border border-red-300 px-3 py-1.5 text-sm text-red-700 hover:bg-red-50 disabled:opacity-50 dark:border-red-800 dark:text-red-300 dark:hover:bg-red-950">
              {busy === "cancel" ? "Cancelling…" : "Cancel job"}
            </button>
          ) : null}
          <button type="button" onClick={() => void resubmit()} disabled={busy !== null} className="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50 disabled:opacity-50 dark:border-slate-700 dark:hover:bg-slate-800">
            {busy === "resubmit" ? "Resubmitting…" : "Resubmit (a copy)"}
          </button>
        </div>
        {error ? <p role="alert" className="mt-2 text-sm text-red-700 dark:text-red-300">{error}</p> : null}
      </div>

      <section aria-labelledby="history-heading" className="mt-8">
        <h2 id="history-heading" className="text-lg font-semibold">History</h2>
        <ol className="mt-2 space-y-2">
          {job.events.map((e) => (
            <li key={e.seq} className="flex flex-wrap items-start gap-3 text-sm">
              <time dateTime={e.at} className="w-40 shrink-0 text-slate-500 dark:text-slate-400">{new Date(e.at).toLocaleString()}</time>
              <JobStateBadge state={e.state} />
              <span>{e.message}</span>
            </li>
          ))}
        </ol>
      </section>

      <section aria-labelledby="trials-heading" className="mt-8">
        <h2 id="trials-heading" className="text-lg font-semibold">Trials</h2>
        {job.trialStates.length === 0 ? (
          <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">No pod has started yet.</p>
        ) : (
          <table className="mt-2 min-w-full text-sm">
            <caption className="sr-only">Pods per completion index</caption>
            <thead className="text-left text-xs uppercase text-slate-500 dark:text-slate-400">
              <tr>{["Index", "Pod", "Node", "Phase", "Exit code"].map((h) => <th key={h} scope="col" className="px-2 py-1 font-medium">{h}</th>)}</tr>
            </thead>
            <tbody>
              {job.trialStates.map((t) => (
                <tr key={t.index} className="border-t border-slate-100 align-top dark:border-slate-800">
                  <td className="px-2 py-1">{t.index}</td>
                  <td className="px-2 py-1 font-mono text-xs">{t.podName ?? "—"}</td>
                  <td className="px-2 py-1">{t.node ?? "—"}</td>
                  <td className="px-2 py-1">
                    {t.phase}
                    {t.lastLines.length ? <pre className="mt-1 max-w-xl overflow-x-auto rounded bg-slate-100 p-2 text-xs dark:bg-slate-800">{t.lastLines.join("\n")}</pre> : null}
                  </td>
                  <td className="px-2 py-1">{t.exitCode ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      {spec.script ? (
        <section aria-labelledby="script-heading" className="mt-8">
          <h2 id="script-heading" className="text-lg font-semibold">Script</h2>
          {spec.workingDir ? <p className="text-sm text-slate-600 dark:text-slate-400">in {spec.workingDir}</p> : null}
          <pre className="mt-2 max-h-64 overflow-auto rounded-md bg-slate-100 p-3 text-xs dark:bg-slate-800">{spec.script}</pre>
        </section>
      ) : null}

      <JobLogViewer jobId={job.id} trials={job.trials} live={!job.final} />
    </div>
  );
}
