"use client";

import { useState } from "react";
import type { ApiTokenView } from "@/lib/tokens/api-tokens";
import { ApiCallError, apiFetch } from "@/components/sessions/api-fetch";

const SCOPES = [
  { value: "sessions:read", label: "Read sessions" },
  { value: "sessions:write", label: "Start and stop sessions" },
  { value: "sessions:access", label: "Open sessions through the proxy" },
  { value: "jobs:read", label: "Read batch jobs" },
  { value: "jobs:write", label: "Submit and cancel batch jobs" },
];

/** Create (token shown once), list and revoke personal API tokens. */
export function ApiTokensPanel({ initial }: { initial: ApiTokenView[] }) {
  const [tokens, setTokens] = useState(initial);
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<string[]>(["sessions:read", "sessions:write"]);
  const [days, setDays] = useState(90);
  const [created, setCreated] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);

  async function reload() {
    setTokens((await apiFetch<{ tokens: ApiTokenView[] }>("/api/v1/tokens")).tokens);
  }

  async function create(e: React.FormEvent) {
    e.preventDefault();
    setFields({});
    setError(null);
    try {
      const res = await apiFetch<{ token: string }>("/api/v1/tokens", { method: "POST", body: JSON.stringify({ name, scopes, expiresInDays: days }) });
      setCreated(res.token);
      setName("");
      await reload();
    } catch (err) {
      if (err instanceof ApiCallError) setFields(err.fields);
      setError(err instanceof Error ? err.message : "Could not create the token.");
    }
  }

  async function revoke(id: string) {
    try {
      await apiFetch(`/api/v1/tokens/${id}`, { method: "DELETE" });
      await reload();
    } catch (err) {
      setError(err instanceof Error ? err.message : "Could not revoke the token.");
    }
  }

  const input = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-600 dark:bg-slate-900";
  return (
    <div className="space-y-8">
      {created ? (
        <div role="status" className="rounded-md border border-emerald-300 bg-emerald-50 p-3 text-sm dark:border-emerald-800 dark:bg-emerald-950">
          <p className="font-medium">Copy your new token now: it is shown only once.</p>
          <code data-testid="new-token" className="mt-2 block break-all rounded bg-white p-2 font-mono text-xs dark:bg-slate-900">{created}</code>
          <p className="mt-2 text-xs">Use it as <code>Authorization: Bearer &lt;token&gt;</code> with the /api/v1 endpoints.</p>
        </div>
      ) : null}
      <form onSubmit={(e) => void create(e)} className="max-w-xl space-y-4" noValidate>
        <h2 className="text-base font-semibold">New token</h2>
        {error ? <p role="alert" className="text-sm text-red-700 dark:text-red-300">{error}</p> : null}
        <div>
          <label htmlFor="token-name" className="block text-sm font-medium">Name</label>
          <input id="token-name" value={name} onChange={(e) => setName(e.target.value)} className={input} aria-describedby={fields.name ? "token-name-error" : undefined} />
          {fields.name ? <p id="token-name-error" className="mt-1 text-sm text-red-700 dark:text-red-300">{fields.name}</p> : null}
        </div>
        <fieldset>
          <legend className="text-sm font-medium">Scopes</legend>
          {SCOPES.map((s) => (
            <label key={s.value} className="mt-1 flex items-center gap-2 text-sm">
              <input type="checkbox" checked={scopes.includes(s.value)} onChange={(e) => setScopes(e.target.checked ? [...scopes, s.value] : scopes.filter((x) => x !== s.value))} />
              {s.label} <code className="text-xs text-slate-500">{s.value}</code>
            </label>
          ))}
          {fields.scopes ? <p className="mt-1 text-sm text-red-700 dark:text-red-300">{fields.scopes}</p> : null}
        </fieldset>
        <div>
          <label htmlFor="token-days" className="block text-sm font-medium">Expires after (days)</label>
          <input id="token-days" type="number" min={1} max={365} value={days} onChange={(e) => setDays(Number(e.target.value))} className={input} />
        </div>
        <button type="submit" className="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500">Create token</button>
      </form>

      <section aria-labelledby="tokens-heading">
        <h2 id="tokens-heading" className="mb-2 text-base font-semibold">Your tokens</h2>
        {tokens.length === 0 ? (
          <p className="text-sm text-slate-500 dark:text-slate-400">No tokens yet.</p>
        ) : (
          <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900">
            {tokens.map((t) => (
              <li key={t.id} className="flex flex-wrap items-center gap-3 p-3 text-sm">
                <span className="font-medium">{t.name}</span>
                <code className="text-xs text-slate-500">{t.prefix}…</code>
                <span className="text-xs text-slate-500">{t.scopes.join(", ")}</span>
                <span className="text-xs text-slate-500">{t.revokedAt ? "revoked" : t.expiresAt ? `expires ${new Date(t.expiresAt).toLocaleDateString()}` : ""}</span>
                {!t.revokedAt ? (
                  <button type="button" onClick={() => void revoke(t.id)} className="ml-auto rounded-md border border-slate-300 px-2.5 py-1 text-xs hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800">
                    Revoke<span className="sr-only"> {t.name}</span>
                  </button>
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
