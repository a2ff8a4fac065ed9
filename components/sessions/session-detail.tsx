"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import type { SessionView } from "@/lib/sessions/session-view";
import { apiFetch } from "@/components/sessions/api-fetch";
import { SessionStateBadge, formatAge } from "@/components/sessions/session-state-badge";

interface LogEvent {
  id: string;
  progress: number;
  message: string;
  level: string;
  createdAt: string;
  ready?: boolean;
  failed?: boolean;
}

/**
 * A session's progress bar and event log from the SSE stream. EventSource reconnects on its own
 * and sends Last-Event-ID, so the log resumes where it stopped; the session itself is re-read
 * every few seconds for state and the cull warning.
 */
export function SessionDetail({ initial }: { initial: SessionView }) {
  const [session, setSession] = useState(initial);
  const [events, setEvents] = useState<LogEvent[]>([]);
  const [stopping, setStopping] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const seen = useRef(new Set<string>());

  const refresh = useCallback(async () => {
    try {
      setSession((await apiFetch<{ session: SessionView }>(`/api/v1/sessions/${initial.id}`)).session);
    } catch (e) {
      setError(e instanceof Error ? e.message : "Could not refresh the session.");
    }
  }, [initial.id]);

  useEffect(() => {
    const es = new EventSource(`/api/v1/sessions/${initial.id}/events`);
    es.onmessage = (m) => {
      if (seen.current.has(m.lastEventId)) return;
      seen.current.add(m.lastEventId);
      const data = JSON.parse(m.data as string) as Omit<LogEvent, "id">;
      setEvents((prev) => [...prev, { id: m.lastEventId, ...data }]);
      if (data.ready || data.failed) {
        es.close();
        void refresh();
      }
    };
    const t = setInterval(() => void refresh(), 4000);
    return () => {
      es.close();
      clearInterval(t);
    };
  }, [initial.id, refresh]);

  async function stop() {
    setStopping(true);
    try {
      setSession((await apiFetch<{ session: SessionView }>(`/api/v1/sessions/${session.id}`, { method: "DELETE" })).session);
    } catch (e) {
      setError(e instanceof Error ? e.message : "Could not stop the session.");
    } finally {
      setStopping(false);
    }
  }

  const last = events.at(-1);
  const progress = session.state === "ready" || session.state === "stopped" || session.state === "failed" ? 100 : Math.max(last?.progress ?? 0, session.progress);
  const active = !["stopping", "stopped", "failed"].includes(session.state);

  return (
    <div className="space-y-6">
      {session.cullAt ? (
        <div role="status" className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200">
          This session has had no activity and will be stopped at {new Date(session.cullAt).toLocaleTimeString()}. Use it to keep it running.
        </div>
      ) : null}
      {error ? <p role="alert" className="text-sm text-red-700 dark:text-red-300">{error}</p> : null}

      <div className="flex flex-wrap items-center gap-3">
        <SessionStateBadge state={session.state} />
        <span className="text-sm text-slate-600 dark:text-slate-400">
          {session.image.name} · {session.profile?.displayName ?? "CPU only"} · {session.cpu} CPU · {session.memoryGiB} GiB
          {session.node ? ` · node ${session.node}` : ""} · started {formatAge(session.createdAt)} ago
        </span>
        <div className="ml-auto flex gap-2">
          {session.state === "ready" ? (
            <a href={session.url} target="_blank" rel="noopener" className="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-500">Open</a>
          ) : null}
          {active ? (
            <button type="button" onClick={() => void stop()} disabled={stopping} className="rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-100 disabled:opacity-50 dark:border-slate-600 dark:hover:bg-slate-800">
              {session.state === "ready" ? "Stop" : "Cancel"}
            </button>
          ) : null}
        </div>
      </div>

      <div>
        <div className="mb-1 flex justify-between text-sm">
          <span>{session.state === "failed" ? "Failed" : session.state === "ready" ? "Ready" : (last?.message ?? "Waiting for the first update…")}</span>
          <span>{progress}%</span>
        </div>
        <div role="progressbar" aria-label="Session start progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={progress} className="h-2 w-full overflow-hidden rounded-full bg-slate-200 dark:bg-slate-800">
          <div className={`h-full ${session.state === "failed" ? "bg-red-600" : "bg-indigo-600"}`} style={{ width: `${progress}%` }} />
        </div>
        {session.reason && (session.state === "failed" || session.state === "stopped") ? (
          <pre className="mt-2 whitespace-pre-wrap text-sm text-slate-700 dark:text-slate-300">{session.reason}</pre>
        ) : null}
      </div>

      <section aria-labelledby="log-heading">
        <h2 id="log-heading" className="mb-2 text-base font-semibold">Event log</h2>
        {events.length === 0 ? (
          <p className="text-sm text-slate-500 dark:text-slate-400">Loading events…</p>
        ) : (
          <ol className="space-y-1 rounded-lg border border-slate-200 bg-white p-3 font-mono text-xs dark:border-slate-800 dark:bg-slate-900" aria-live="polite">
            {events.map((e) => (
              <li key={e.id} className={e.level === "error" ? "text-red-700 dark:text-red-300" : e.level === "warning" ? "text-amber-700 dark:text-amber-300" : ""}>
                <span className="text-slate-400">{new Date(e.createdAt).toLocaleTimeString()} </span>
                <span className="whitespace-pre-wrap">{e.message}</span>
              </li>
            ))}
          </ol>
        )}
      </section>
    </div>
  );
}
