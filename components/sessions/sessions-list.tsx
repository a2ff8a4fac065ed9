"use client";

import Link from "next/link";
import { useCallback, useEffect, useState } from "react";
import type { SessionView } from "@/lib/sessions/session-view";
import { apiFetch } from "@/components/sessions/api-fetch";
import { SessionStateBadge, formatAge } from "@/components/sessions/session-state-badge";

const ACTIVE = new Set(["requested", "queued", "starting", "ready", "stopping"]);

/** My sessions, refreshed every few seconds without a reload. */
export function SessionsList({ initial }: { initial: SessionView[] }) {
  const [sessions, setSessions] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    try {
      setSessions((await apiFetch<{ sessions: SessionView[] }>("/api/v1/sessions")).sessions);
      setError(null);
    } catch (e) {
      setError(e instanceof Error ? e.message : "Could not refresh the list.");
    }
  }, []);

  useEffect(() => {
    const t = setInterval(() => void refresh(), 3000);
    return () => clearInterval(t);
  }, [refresh]);

  async function stop(s: SessionView) {
    setBusy(s.id);
    try {
      await apiFetch(`/api/v1/sessions/${s.id}`, { method: "DELETE" });
      await refresh();
    } catch (e) {
      setError(e instanceof Error ? e.message : "Could not stop the session.");
    } finally {
      setBusy(null);
    }
  }

  if (sessions.length === 0) {
    return (
      <div className="rounded-lg border border-dashed border-slate-300 p-10 text-center dark:border-slate-700">
        <h2 className="text-base font-semibold">No sessions yet</h2>
        <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">
          <Link href="/sessions/new" className="text-indigo-700 underline dark:text-indigo-300">Start a session</Link> with JupyterLab or VS Code, on a GPU or CPU only.
        </p>
      </div>
    );
  }

  return (
    <div>
      {error ? <p role="alert" className="mb-3 text-sm text-red-700 dark:text-red-300">{error}</p> : null}
      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
        <table className="min-w-full text-sm">
          <caption className="sr-only">My sessions</caption>
          <thead className="bg-slate-50 text-left text-xs uppercase text-slate-500 dark:bg-slate-800 dark:text-slate-400">
            <tr>
              {["Name", "Status", "Image", "GPU", "Node", "Age", "Last activity", "Actions"].map((h) => (
                <th key={h} scope="col" className="px-3 py-2 font-medium">{h}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {sessions.map((s) => (
              <tr key={s.id} className="border-t border-slate-100 dark:border-slate-800">
                <td className="px-3 py-2 font-medium">
                  <Link href={`/sessions/${s.id}`} className="text-indigo-700 underline dark:text-indigo-300">{s.name}</Link>
                </td>
                <td className="px-3 py-2">
                  <SessionStateBadge state={s.state} />
                  {s.cullAt ? <span className="ml-2 text-xs text-amber-700 dark:text-amber-300">stops at {new Date(s.cullAt).toLocaleTimeString()}</span> : null}
                </td>
                <td className="px-3 py-2">{s.image.name}</td>
                <td className="px-3 py-2">{s.profile?.displayName ?? "CPU only"}</td>
                <td className="px-3 py-2">{s.node ?? "—"}</td>
                <td className="px-3 py-2">{formatAge(s.createdAt)}</td>
                <td className="px-3 py-2">{s.lastActivityAt ? `${formatAge(s.lastActivityAt)} ago` : "—"}</td>
                <td className="px-3 py-2">
                  <div className="flex gap-2">
                    {s.state === "ready" ? (
                      <a href={s.url} target="_blank" rel="noopener" className="rounded-md bg-indigo-600 px-2.5 py-1 text-xs font-medium text-white hover:bg-indigo-500">
                        Open<span className="sr-only"> {s.name}</span>
                      </a>
                    ) : null}
                    {ACTIVE.has(s.state) && s.state !== "stopping" ? (
                      <button
                        type="button"
                        onClick={() => void stop(s)}
                        disabled={busy === s.id}
                        className="rounded-md border border-slate-300 px-2.5 py-1 text-xs font-medium hover:bg-slate-100 disabled:opacity-50 dark:border-slate-600 dark:hover:bg-slate-800"
                      >
                        {s.state === "ready" ? "Stop" : "Cancel"}<span className="sr-only"> {s.name}</span>
                      </button>
                    ) : null}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
