const styles: Record<string, string> = {
  admin: "bg-rose-100 text-rose-800 dark:bg-rose-950 dark:text-rose-200",
  organiser: "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200",
  researcher: "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-200",
};

export function RoleBadge({ role }: { role: string }) {
  return (
    <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${styles[role] ?? "bg-slate-100 text-slate-800 dark:bg-slate-800 dark:text-slate-200"}`}>
      {role}
    </span>
  );
}
