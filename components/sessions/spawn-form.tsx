"use client";

import { useRouter } from "next/navigation";
import { useEffect, useMemo, useState } from "react";
import type { Catalogue } from "@/lib/catalog/list-catalogue";
import type { SessionView } from "@/lib/sessions/session-view";
import { ApiCallError, apiFetch } from "@/components/sessions/api-fetch";
import { capacityText } from "@/components/sessions/capacity-text";

const CPU_CHOICES = [1, 2, 4, 8, 16];
const MEMORY_CHOICES = [2, 4, 8, 16, 32, 64];


/**
 * The spawn form: image, GPU profile or CPU only with live free/total, CPU, memory, optional name,
 * and the group the usage is charged to (`chargeGroups`: the user's groups and their default).
 */
export function SpawnForm({ initial, chargeGroups }: { initial: Catalogue; chargeGroups?: { groups: string[]; defaultGroup: string } }) {
  const router = useRouter();
  const [catalogue, setCatalogue] = useState(initial);
  const [image, setImage] = useState(initial.images.find((i) => i.isDefault)?.name ?? initial.images[0]?.name ?? "");
  const [profile, setProfile] = useState("");
  const [cpu, setCpu] = useState(Math.min(2, initial.limits.maxCpu));
  const [memory, setMemory] = useState(Math.min(8, initial.limits.maxMemoryGiB));
  const [name, setName] = useState("");
  const [chargeGroup, setChargeGroup] = useState(chargeGroups?.defaultGroup ?? "");
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  // One key per form: a double click or a retried request makes one session.
  const idempotencyKey = useMemo(() => crypto.randomUUID(), []);

  useEffect(() => {
    const t = setInterval(() => {
      apiFetch<Catalogue>("/api/v1/profiles").then(setCatalogue, () => undefined);
    }, 10_000);
    return () => clearInterval(t);
  }, []);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setSubmitting(true);
    setFields({});
    setError(null);
    try {
      const body = { image, profile: profile || null, cpu, memoryGiB: memory, ...(name ? { name } : {}), ...(chargeGroup ? { chargeGroup } : {}), idempotencyKey };
      const { session } = await apiFetch<{ session: SessionView }>("/api/v1/sessions", { method: "POST", body: JSON.stringify(body) });
      router.push(`/sessions/${session.id}`);
    } catch (err) {
      if (err instanceof ApiCallError) {
        setFields({ ...err.fields, ...(err.fields.memoryGiB ? { memory: err.fields.memoryGiB } : {}) });
        setError(err.message);
      } else setError("The session could not be requested; try again.");
      setSubmitting(false);
    }
  }

  const fieldError = (key: string) =>
    fields[key] ? (
      <p id={`${key}-error`} className="mt-1 text-sm text-red-700 dark:text-red-300">
        {fields[key]}
      </p>
    ) : null;
  const select = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-600 dark:bg-slate-900";

  return (
    <form onSubmit={(e) => void submit(e)} className="max-w-2xl space-y-6" noValidate>
      {error ? (
        <div role="alert" className="rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
          {error}
        </div>
      ) : null}

      <div>
        <label htmlFor="image" className="block text-sm font-medium">Image</label>
        <select id="image" value={image} onChange={(e) => setImage(e.target.value)} className={select} aria-describedby={fields.image ? "image-error" : undefined}>
          {catalogue.images.map((i) => (
            <option key={i.id} value={i.name}>{i.name} ({i.kind === "vscode" ? "VS Code" : "JupyterLab"})</option>
          ))}
        </select>
        {fieldError("image")}
      </div>

      <fieldset aria-describedby={fields.profile ? "profile-error" : undefined}>
        <legend className="block text-sm font-medium">GPU</legend>
        {catalogue.capacityError ? <p className="mt-1 text-sm text-amber-700 dark:text-amber-300">{catalogue.capacityError}</p> : null}
        <div className="mt-2 grid gap-2 sm:grid-cols-2">
          <label className="flex cursor-pointer items-start gap-2 rounded-md border border-slate-200 p-3 dark:border-slate-700">
            <input type="radio" name="profile" value="" checked={profile === ""} onChange={() => setProfile("")} className="mt-1" />
            <span>
              <span className="block text-sm font-medium">CPU only</span>
              <span className="block text-xs text-slate-500 dark:text-slate-400">no GPU</span>
            </span>
          </label>
          {catalogue.profiles.map((p) => (
            <label key={p.key} className="flex cursor-pointer items-start gap-2 rounded-md border border-slate-200 p-3 dark:border-slate-700">
              <input type="radio" name="profile" value={p.key} checked={profile === p.key} onChange={() => setProfile(p.key)} className="mt-1" aria-label={`${p.key}: ${p.displayName}, ${capacityText(p)}`} />
              <span>
                <span className="block text-sm font-medium">{p.displayName}</span>
                <span className="block font-mono text-xs text-slate-500 dark:text-slate-400">{p.key}</span>
                <span className={`block text-xs ${p.capacity && p.capacity.free === 0 ? "text-amber-700 dark:text-amber-300" : "text-emerald-700 dark:text-emerald-300"}`}>{capacityText(p)}</span>
              </span>
            </label>
          ))}
        </div>
        {fieldError("profile")}
      </fieldset>

      <div className="grid gap-4 sm:grid-cols-2">
        <div>
          <label htmlFor="cpu" className="block text-sm font-medium">CPUs</label>
          <select id="cpu" value={cpu} onChange={(e) => setCpu(Number(e.target.value))} className={select} aria-describedby={fields.cpu ? "cpu-error" : undefined}>
            {CPU_CHOICES.filter((c) => c <= catalogue.limits.maxCpu).map((c) => <option key={c} value={c}>{c}</option>)}
          </select>
          {fieldError("cpu")}
        </div>
        <div>
          <label htmlFor="memory" className="block text-sm font-medium">Memory (GiB)</label>
          <select id="memory" value={memory} onChange={(e) => setMemory(Number(e.target.value))} className={select} aria-describedby={fields.memory ? "memory-error" : undefined}>
            {MEMORY_CHOICES.filter((m) => m <= catalogue.limits.maxMemoryGiB).map((m) => <option key={m} value={m}>{m}</option>)}
          </select>
          {fieldError("memory")}
        </div>
      </div>

      <div>
        <label htmlFor="name" className="block text-sm font-medium">Session name (optional)</label>
        <input
          id="name"
          value={name}
          onChange={(e) => setName(e.target.value.toLowerCase())}
          placeholder="e.g. thesis"
          className={select}
          aria-describedby={`name-hint${fields.name ? " name-error" : ""}`}
        />
        <p id="name-hint" className="mt-1 text-xs text-slate-500 dark:text-slate-400">Lowercase letters, digits and dashes; it becomes part of the address.</p>
        {fieldError("name")}
        {fieldError("sessions")}
      </div>

      {chargeGroups && chargeGroups.groups.length > 0 ? (
        <div>
          <label htmlFor="chargeGroup" className="block text-sm font-medium">Charge to group</label>
          <select
            id="chargeGroup"
            value={chargeGroup}
            onChange={(e) => setChargeGroup(e.target.value)}
            className={select}
            aria-describedby={`chargeGroup-hint${fields.chargeGroup ? " chargeGroup-error" : ""}`}
          >
            {chargeGroups.groups.map((g) => <option key={g} value={g}>{g}</option>)}
          </select>
          <p id="chargeGroup-hint" className="mt-1 text-xs text-slate-500 dark:text-slate-400">GPU-hours of this session count against this group&apos;s budget. Your default is set on the Usage page.</p>
          {fieldError("chargeGroup")}
        </div>
      ) : null}

      <button type="submit" disabled={submitting} className="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500 disabled:opacity-50">
        {submitting ? "Starting…" : "Start session"}
      </button>
    </form>
  );
}
