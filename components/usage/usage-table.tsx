"use client";

import { useMemo, useState } from "react";

export interface UsageTableRow {
  key: string;
  label: string;
  total: number;
  values: number[];
}

type SortKey = "label" | "total" | number;

/** The series of a usage view as a table: sortable by any column, 20 rows a page. */
export function UsageTable({ caption, keyHeader, buckets, rows, pageSize = 20 }: { caption: string; keyHeader: string; buckets: string[]; rows: UsageTableRow[]; pageSize?: number }) {
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: "total", desc: true });
  const [page, setPage] = useState(0);
  const sorted = useMemo(() => {
    const v = (r: UsageTableRow) => (sort.key === "label" ? r.label : sort.key === "total" ? r.total : (r.values[sort.key] ?? 0));
    return [...rows].sort((a, b) => {
      const x = v(a);
      const y = v(b);
      const c = typeof x === "string" ? x.localeCompare(String(y)) : x - (y as number);
      return sort.desc ? -c : c;
    });
  }, [rows, sort]);
  const pages = Math.max(1, Math.ceil(sorted.length / pageSize));
  const current = Math.min(page, pages - 1);
  const visible = sorted.slice(current * pageSize, current * pageSize + pageSize);
  const header = (key: SortKey, text: string) => (
    <th key={String(key)} scope="col" aria-sort={sort.key === key ? (sort.desc ? "descending" : "ascending") : "none"} className="px-3 py-2 text-left font-medium">
      <button type="button" className="hover:underline" onClick={() => setSort({ key, desc: sort.key === key ? !sort.desc : key !== "label" })}>
        {text}
        {sort.key === key ? (sort.desc ? " ↓" : " ↑") : ""}
      </button>
    </th>
  );
  const fmt = (h: number) => h.toLocaleString("en-US", { maximumFractionDigits: 2 });
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-800">
      <table className="w-full text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="bg-slate-50 dark:bg-slate-900">
          <tr>
            {header("label", keyHeader)}
            {header("total", "Total")}
            {buckets.map((b, i) => header(i, b))}
          </tr>
        </thead>
        <tbody>
          {visible.map((r) => (
            <tr key={r.key} className="border-t border-slate-100 dark:border-slate-800">
              <th scope="row" className="px-3 py-2 text-left font-normal">{r.label}</th>
              <td className="px-3 py-2 tabular-nums font-medium" data-testid={`total-${r.label}`}>{fmt(r.total)}</td>
              {buckets.map((b, i) => <td key={b} className="px-3 py-2 tabular-nums text-slate-600 dark:text-slate-400">{fmt(r.values[i] ?? 0)}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
      {pages > 1 ? (
        <nav aria-label="Table pages" className="flex items-center justify-end gap-3 border-t border-slate-100 px-3 py-2 text-sm dark:border-slate-800">
          <button type="button" disabled={current === 0} onClick={() => setPage(current - 1)} className="disabled:opacity-40">Previous</button>
          <span>Page {current + 1} of {pages}</span>
          <button type="button" disabled={current >= pages - 1} onClick={() => setPage(current + 1)} className="disabled:opacity-40">Next</button>
        </nav>
      ) : null}
    </div>
  );
}
