"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import type { Catalogue } from "@/lib/catalog/list-catalogue";
import { ApiCallError, apiFetch } from "@/components/sessions/api-fetch";

export interface SessionChoice {
  id: string;
  name: string;
  profileKey: string | null;
  cpu: number;
  memoryGiB: number;
  workingDir: string;
}

const DEADLINES = [
  [900, "15 minutes"],
  [3600, "1 hour"],
  [4 * 3600, "4 hours"],
  [12 * 3600, "12 hours"],
  [86_400, "1 day"],
  [3 * 86_400, "3 days"],
  [7 * 86_400, "7 days"],
] as const;

const input = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900";

/** "Run as batch job": the script and resources of a Job copied from one of my running sessions. */
export function SubmitJobForm({ sessions, catalogue, initialSession, maxTrials, maxDeadlineSeconds }: { sessions: SessionChoice[]; catalogue: Catalogue; initialSession: string | null; maxTrials: number; maxDeadlineSeconds: number }) {
  const router = useRouter();
  const first = sessions.find((s) => s.id === initialSession) ?? sessions[0];
  const [session, setSession] = useState(first?.id ?? "");
  const chosen = sessions.find((s) => s.id === session);
  const [script, setScript] = useState("");
  const [workingDir, setWorkingDir] = useState(first?.workingDir ?? "");
  const [profile, setProfile] = useState(first?.profileKey ?? "");
  const [cpu, setCpu] = useState(first?.cpu ?? 1);
  const [memory, setMemory] = useState(first?.memoryGiB ?? 4);
  const [trials, setTrials] = useState(1);
  const [deadline, setDeadline] = useState(3600);
  const [priority, setPriority] = useState("normal");
  const [target, setTarget] = useState<"local" | "offload">("local");
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);

  function pickSession(id: string) {
    setSession(id);
    const s = sessions.find((x) => x.id === id);
    if (s) {
      setProfile(s.profileKey ?? "");
      setCpu(s.cpu);
      setMemory(s.memoryGiB);
      setWorkingDir(s.workingDir);
    }
  }

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setSubmitting(true);
    setFields({});
    setError(null);
    try {
      const body = { session, script, ...(workingDir ? { workingDir } : {}), profile: profile || null, cpu, memoryGiB: memory, trials, deadlineSeconds: deadline, priority, target };
      const { job } = await apiFetch<{ job: { id: string } }>("/api/v1/jobs", { method: "POST", body: JSON.stringify(body) });
      router.push(`/jobs/${job.id}`);
    } catch (err) {
      if (err instanceof ApiCallError) {
        setFields(err.fields);
        setError(err.message);
      } else setError("The job could not be submitted; try again.");
      setSubmitting(false);
    }
  }

  const fieldError = (key: string) =>
    fields[key] ? (
      <p id={`${key}-error`} className="mt-1 text-sm text-red-700 dark:text-red-300">{fields[key]}</p>
    ) : null;
  const described = (key: string) => (fields[key] ? { "aria-describedby": `${key}-error`, "aria-invalid": true as const } : {});

  if (sessions.length === 0) {
    return (
      <div className="rounded-lg border border-dashed border-slate-300 p-10 text-center dark:border-slate-700">
        <h2 className="text-base font-semibold">No running session</h2>
        <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">A batch job copies a running session&apos;s image, environment and volumes. Start a session first.</p>
      </div>
    );
  }

  return (
    <form onSubmit={(e) => void submit(e)} noValidate className="max-w-2xl space-y-5">
      {error ? <p role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">{error}</p> : null}
      <div>
        <label htmlFor="job-session" className="block text-sm font-medium">Copy from session</label>
        <select id="job-session" value={session} onChange={(e) => pickSession(e.target.value)} className={input} {...described("session")}>
          {sessions.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
        </select>
        {fieldError("session")}
      </div>
      <div>
        <label htmlFor="job-script" className="block text-sm font-medium">Script</label>
        <p id="job-script-help" className="text-xs text-slate-500 dark:text-slate-400">Run by /bin/sh. Each trial sees its number in $JOB_COMPLETION_INDEX.</p>
        <textarea id="job-script" required rows={8} value={script} onChange={(e) => setScript(e.target.value)} className={`${input} font-mono`} aria-describedby={fields.script ? "script-error job-script-help" : "job-script-help"} aria-invalid={fields.script ? true : undefined} placeholder={"python train.py --seed $JOB_COMPLETION_INDEX"} />
        {fieldError("script")}
      </div>
      <div>
        <label htmlFor="job-workdir" className="block text-sm font-medium">Working directory</label>
        <input id="job-workdir" value={workingDir} onChange={(e) => setWorkingDir(e.target.value)} className={input} {...described("workingDir")} />
        {fieldError("workingDir")}
      </div>
      <div className="grid gap-4 sm:grid-cols-3">
        <div>
          <label htmlFor="job-profile" className="block text-sm font-medium">GPU profile</label>
          <select id="job-profile" value={profile} onChange={(e) => setProfile(e.target.value)} className={input} {...described("profile")}>
            <option value="">CPU only</option>
            {catalogue.profiles.map((p) => <option key={p.key} value={p.key}>{p.displayName}</option>)}
          </select>
          {fieldError("profile")}
        </div>
        <div>
          <label htmlFor="job-cpu" className="block text-sm font-medium">CPUs per trial</label>
          <input id="job-cpu" type="number" min={0.25} step={0.25} max={catalogue.limits.maxCpu} value={cpu} onChange={(e) => setCpu(Number(e.target.value))} className={input} {...described("cpu")} />
          {fieldError("cpu")}
        </div>
        <div>
          <label htmlFor="job-memory" className="block text-sm font-medium">Memory per trial (GiB)</label>
          <input id="job-memory" type="number" min={0.5} step={0.5} max={catalogue.limits.maxMemoryGiB} value={memory} onChange={(e) => setMemory(Number(e.target.value))} className={input} {...described("memoryGiB")} />
          {fieldError("memoryGiB")}
        </div>
        <div>
          <label htmlFor="job-trials" className="block text-sm font-medium">Parallel trials</label>
          <input id="job-trials" type="number" min={1} max={maxTrials} value={trials} onChange={(e) => setTrials(Number(e.target.value))} className={input} {...described("trials")} />
          {fieldError("trials")}
        </div>
        <div>
          <label htmlFor="job-deadline" className="block text-sm font-medium">Time limit</label>
          <select id="job-deadline" value={deadline} onChange={(e) => setDeadline(Number(e.target.value))} className={input} {...described("deadlineSeconds")}>
            {DEADLINES.filter(([s]) => s <= maxDeadlineSeconds).map(([s, l]) => <option key={s} value={s}>{l}</option>)}
          </select>
          {fieldError("deadlineSeconds")}
        </div>
        <div>
          <label htmlFor="job-priority" className="block text-sm font-medium">Priority among batch jobs</label>
          <select id="job-priority" value={priority} onChange={(e) => setPriority(e.target.value)} className={input}>
            <option value="low">Low</option>
            <option value="normal">Normal</option>
            <option value="high">High</option>
          </select>
        </div>
      </div>
      <fieldset>
        <legend className="text-sm font-medium">Where to run</legend>
        <div className="mt-1 flex flex-wrap gap-4 text-sm">
          <label className="flex items-center gap-2"><input type="radio" name="target" value="local" checked={target === "local"} onChange={() => setTarget("local")} /> This cluster (idle GPUs)</label>
          <label className="flex items-center gap-2"><input type="radio" name="target" value="offload" checked={target === "offload"} onChange={() => setTarget("offload")} /> Offload to a remote site (interLink)</label>
        </div>
      </fieldset>
      <p className="text-xs text-slate-500 dark:text-slate-400">
        Batch jobs use GPUs nobody is using interactively{chosen ? `, with the image, environment and volumes of ${chosen.name}` : ""}. If a session needs the GPUs, the job is stopped and queued again automatically.
      </p>
      <button type="submit" disabled={submitting} className="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500">
        {submitting ? "Submitting…" : "Run as batch job"}
      </button>
    </form>
  );
}
