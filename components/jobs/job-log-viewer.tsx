"use client";

import { useEffect, useRef, useState } from "react";

/**
 * The log of one completion index: loaded whole, or followed live (a streamed text/plain response
 * read chunk by chunk), and downloadable as a file.
 */
export function JobLogViewer({ jobId, trials, live }: { jobId: string; trials: number; live: boolean }) {
  const [index, setIndex] = useState(0);
  const [text, setText] = useState("");
  const [status, setStatus] = useState<"idle" | "loading" | "following" | "done">("idle");
  const [error, setError] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);

  async function load(follow: boolean) {
    abort.current?.abort();
    const ctl = new AbortController();
    abort.current = ctl;
    setText("");
    setError(null);
    setStatus(follow ? "following" : "loading");
    try {
      const res = await fetch(`/api/v1/jobs/${jobId}/logs?index=${index}${follow ? "&follow=1" : ""}`, { signal: ctl.signal, cache: "no-store" });
      if (!res.ok) {
        const body = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
        throw new Error(body.error?.message ?? `Could not read the log (${res.status}).`);
      }
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        setText((t) => t + decoder.decode(value, { stream: true }));
      }
      setStatus("done");
    } catch (e) {
      if (ctl.signal.aborted) return;
      setError(e instanceof Error ? e.message : "Could not read the log.");
      setStatus("idle");
    }
  }

  useEffect(() => () => abort.current?.abort(), []);

  return (
    <section aria-labelledby="logs-heading" className="mt-8">
      <h2 id="logs-heading" className="text-lg font-semibold">Logs</h2>
      <div className="mt-2 flex flex-wrap items-end gap-3">
        <div>
          <label htmlFor="log-index" className="block text-sm font-medium">Trial (completion index)</label>
          <select
            id="log-index"
            value={index}
            onChange={(e) => {
              abort.current?.abort();
              setIndex(Number(e.target.value));
              setText("");
              setStatus("idle");
            }}
            className="mt-1 rounded-md border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-900"
          >
            {Array.from({ length: trials }, (_, i) => (
              <option key={i} value={i}>{i}</option>
            ))}
          </select>
        </div>
        <button type="button" onClick={() => void load(false)} className="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500">
          Show log
        </button>
        {live ? (
          <button type="button" onClick={() => void load(true)} className="rounded-md border border-slate-300 px-3 py-1.5 text-sm dark:border-slate-700">
            Follow live
          </button>
        ) : null}
        {status === "following" ? (
          <button type="button" onClick={() => { abort.current?.abort(); setStatus("done"); }} className="rounded-md border border-slate-300 px-3 py-1.5 text-sm dark:border-slate-700">
            Stop following
          </button>
        ) : null}
        <a href={`/api/v1/jobs/${jobId}/logs?index=${index}&download=1`} className="text-sm text-indigo-700 underline dark:text-indigo-300">
          Download log of trial {index}
        </a>
      </div>
      {error ? <p role="alert" className="mt-2 text-sm text-red-700 dark:text-red-300">{error}</p> : null}
      {status === "loading" ? <p role="status" className="mt-2 text-sm text-slate-500">Loading…</p> : null}
      {status !== "idle" || text ? (
        <pre aria-label={`Log of trial ${index}`} aria-live={status === "following" ? "polite" : "off"} className="mt-3 max-h-96 overflow-auto rounded-md bg-slate-950 p-3 text-xs text-slate-100">
          {text || (status === "following" ? "Waiting for output…" : status === "done" ? "(empty log)" : "")}
        </pre>
      ) : null}
    </section>
  );
}
