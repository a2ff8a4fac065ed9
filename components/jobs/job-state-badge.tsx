const styles: Record<string, string> = {
  submitted: "bg-slate-100 text-slate-800 dark:bg-slate-800 dark:text-slate-200",
  queued: "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200",
  admitted: "bg-sky-100 text-sky-900 dark:bg-sky-950 dark:text-sky-200",
  running: "bg-indigo-100 text-indigo-900 dark:bg-indigo-950 dark:text-indigo-200",
  preempted: "bg-orange-100 text-orange-900 dark:bg-orange-950 dark:text-orange-200",
  succeeded: "bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200",
  failed: "bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200",
  cancelled: "bg-slate-200 text-slate-700 dark:bg-slate-700 dark:text-slate-200",
};

const labels: Record<string, string> = {
  submitted: "Submitted",
  queued: "Queued",
  admitted: "Admitted",
  running: "Running",
  preempted: "Preempted",
  succeeded: "Succeeded",
  failed: "Failed",
  cancelled: "Cancelled",
};

export function JobStateBadge({ state }: { state: string }) {
  return <span className={`inline-block rounded-full px-2 py-0.5 text-xs font-medium ${styles[state] ?? styles.submitted}`}>{labels[state] ?? state}</span>;
}

export function formatDuration(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}
