const styles: Record<string, string> = {
  requested: "bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300",
  queued: "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200",
  starting: "bg-sky-100 text-sky-900 dark:bg-sky-950 dark:text-sky-200",
  ready: "bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200",
  stopping: "bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300",
  stopped: "bg-slate-100 text-slate-600 dark:bg-slate-800 dark:text-slate-400",
  failed: "bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200",
};

const labels: Record<string, string> = {
  requested: "Requested",
  queued: "Queued",
  starting: "Starting",
  ready: "Ready",
  stopping: "Stopping",
  stopped: "Stopped",
  failed: "Failed",
};

export function SessionStateBadge({ state }: { state: string }) {
  return <span className={`inline-block rounded-full px-2 py-0.5 text-xs font-medium ${styles[state] ?? styles.requested}`}>{labels[state] ?? state}</span>;
}

export function formatAge(iso: string | null, now = Date.now()): string {
  if (!iso) return "—";
  const s = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d`;
}
