"use client";

import { useEffect, useState } from "react";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { SessionGpu } from "@/lib/metrics/session-gpu";

/**
 * A session's GPU activity (%) and memory (MiB) over the last hour, refreshed every 30 s, from
 * GET /api/v1/usage/sessions/{id}/gpu. For the session detail page: `<SessionGpuChart sessionId={id} />`.
 */
export function SessionGpuChart({ sessionId, minutes = 60 }: { sessionId: string; minutes?: number }) {
  const [data, setData] = useState<SessionGpu | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let alive = true;
    const load = async () => {
      try {
        const r = await fetch(`/api/v1/usage/sessions/${sessionId}/gpu?minutes=${minutes}`, { cache: "no-store" });
        const body = (await r.json()) as SessionGpu | { error: { message: string } };
        if (!alive) return;
        if ("error" in body) setError(body.error.message);
        else {
          setData(body);
          setError(null);
        }
      } catch {
        if (alive) setError("Could not load the GPU chart.");
      }
    };
    void load();
    const t = setInterval(() => void load(), 30_000);
    return () => {
      alive = false;
      clearInterval(t);
    };
  }, [sessionId, minutes]);

  const id = `gpu-chart-${sessionId}`;
  return (
    <figure aria-labelledby={id} className="rounded-lg border border-slate-200 p-4 dark:border-slate-800">
      <figcaption id={id} className="mb-2 text-sm font-medium">GPU activity and memory, last {minutes} minutes</figcaption>
      {error ? <p role="alert" className="text-sm text-red-700 dark:text-red-400">{error}</p> : null}
      {data && !data.available ? <p className="text-sm text-slate-600 dark:text-slate-400">Metrics unavailable: {data.reason}</p> : null}
      {data?.available ? (
        <div className="h-56 w-full">
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={data.points.map((p) => ({ t: new Date(p.time * 1000).toISOString().slice(11, 16), activity: p.activity === null ? null : Math.round(p.activity * 100), memory: p.memoryMiB }))} accessibilityLayer>
              <CartesianGrid strokeDasharray="3 3" stroke="currentColor" strokeOpacity={0.15} />
              <XAxis dataKey="t" tick={{ fontSize: 12, fill: "currentColor" }} />
              <YAxis yAxisId="a" domain={[0, 100]} tick={{ fontSize: 12, fill: "currentColor" }} unit=" %" />
              <YAxis yAxisId="m" orientation="right" tick={{ fontSize: 12, fill: "currentColor" }} unit=" MiB" />
              <Tooltip contentStyle={{ background: "rgb(15 23 42)", border: "none", color: "white" }} />
              <Legend />
              <Line yAxisId="a" dataKey="activity" name="GPU activity (%)" stroke="#6366f1" dot={false} isAnimationActive={false} />
              <Line yAxisId="m" dataKey="memory" name="GPU memory (MiB)" stroke="#10b981" dot={false} isAnimationActive={false} />
            </LineChart>
          </ResponsiveContainer>
        </div>
      ) : null}
    </figure>
  );
}
