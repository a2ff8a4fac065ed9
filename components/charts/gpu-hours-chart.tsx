"use client";

import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

// Distinguishable in light and dark mode (Tailwind 500s), in a fixed order so a key keeps its colour.
export const SERIES_COLOURS = ["#6366f1", "#10b981", "#f59e0b", "#ef4444", "#06b6d4", "#a855f7", "#84cc16", "#ec4899", "#64748b", "#14b8a6"];

export interface ChartSeries {
  key: string;
  label: string;
  values: number[];
}

/** Stacked bars of GPU-hours per bucket; at most `maxSeries` series, the rest summed as "other". */
export function GpuHoursChart({ title, unit, buckets, series, maxSeries = 8 }: { title: string; unit: string; buckets: string[]; series: ChartSeries[]; maxSeries?: number }) {
  const shown = series.slice(0, maxSeries);
  const rest = series.slice(maxSeries);
  const all = rest.length ? [...shown, { key: "__other", label: `other (${rest.length})`, values: buckets.map((_, i) => rest.reduce((s, x) => s + (x.values[i] ?? 0), 0)) }] : shown;
  const data = buckets.map((b, i) => Object.fromEntries([["bucket", b], ...all.map((s) => [s.key, Math.round((s.values[i] ?? 0) * 100) / 100])]));
  const id = `chart-${title.replace(/\W+/g, "-").toLowerCase()}`;
  return (
    <figure aria-labelledby={id} className="rounded-lg border border-slate-200 p-4 dark:border-slate-800">
      <figcaption id={id} className="mb-2 text-sm font-medium">{title}</figcaption>
      {series.length === 0 ? (
        <p className="py-10 text-center text-sm text-slate-500 dark:text-slate-400">No GPU usage in this range.</p>
      ) : (
        <div className="h-72 w-full">
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={data} accessibilityLayer>
              <CartesianGrid strokeDasharray="3 3" stroke="currentColor" strokeOpacity={0.15} />
              <XAxis dataKey="bucket" tick={{ fontSize: 12, fill: "currentColor" }} />
              <YAxis tick={{ fontSize: 12, fill: "currentColor" }} label={{ value: unit, angle: -90, position: "insideLeft", fill: "currentColor", fontSize: 12 }} />
              <Tooltip contentStyle={{ background: "rgb(15 23 42)", border: "none", color: "white" }} />
              <Legend />
              {all.map((s, i) => (
                <Bar key={s.key} dataKey={s.key} name={s.label} stackId="usage" fill={SERIES_COLOURS[i % SERIES_COLOURS.length]} />
              ))}
            </BarChart>
          </ResponsiveContainer>
        </div>
      )}
    </figure>
  );
}
