import { z } from "zod";
import type { Logger } from "pino";

/**
 * A small client of Prometheus' HTTP API (reference kueue-gpu-metrics §6.1). Every failure —
 * unreachable, timeout, HTTP error, `status: "error"`, a body that is not the documented shape — is
 * a `{ ok: false, reason }` result, logged once here, so that a monitoring page says "metrics
 * unavailable: <reason>" and everything else on it keeps working. It never throws.
 */

export interface Sample {
  metric: Record<string, string>;
  /** Unix seconds. */
  time: number;
  /** NaN and ±Inf stay as numbers; callers decide what to show. */
  value: number;
}

export interface Series {
  metric: Record<string, string>;
  points: Array<{ time: number; value: number }>;
}

export type MetricsResult<T> = { ok: true; data: T; warnings: string[] } | { ok: false; reason: string };

const value = z.tuple([z.number(), z.string()]);
const envelope = z.object({
  status: z.enum(["success", "error"]),
  data: z.unknown().optional(),
  errorType: z.string().optional(),
  error: z.string().optional(),
  warnings: z.array(z.string()).optional(),
});
const vectorData = z.object({
  resultType: z.literal("vector"),
  result: z.array(z.object({ metric: z.record(z.string(), z.string()), value })),
});
const matrixData = z.object({
  resultType: z.literal("matrix"),
  result: z.array(z.object({ metric: z.record(z.string(), z.string()), values: z.array(value) })),
});

export interface PrometheusClient {
  readonly url: string;
  query(promql: string, at?: Date): Promise<MetricsResult<Sample[]>>;
  queryRange(promql: string, range: { start: Date; end: Date; stepSeconds: number }): Promise<MetricsResult<Series[]>>;
}

export function createPrometheusClient(opts: { url: string; timeoutMs?: number; log?: Logger }): PrometheusClient {
  const base = opts.url.replace(/\/+$/, "");
  const timeoutMs = opts.timeoutMs ?? 5000;

  async function call(path: string, params: Record<string, string>): Promise<MetricsResult<unknown>> {
    const fail = (reason: string, err?: unknown): MetricsResult<unknown> => {
      opts.log?.warn({ err, path, query: params.query }, `metrics unavailable: ${reason}`);
      return { ok: false, reason };
    };
    let res: Response;
    try {
      // POST with a form body: long PromQL never hits URL length limits.
      res = await fetch(`${base}${path}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ ...params, timeout: `${Math.max(1, Math.floor(timeoutMs / 1000))}s` }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const name = err instanceof Error ? err.name : "";
      if (name === "TimeoutError" || name === "AbortError") return fail(`Prometheus did not answer within ${timeoutMs} ms`, err);
      return fail(`Prometheus at ${base} is unreachable`, err);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      return fail("the answer from Prometheus was cut off", err);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return fail(res.ok ? "Prometheus answered with something that is not JSON" : `Prometheus answered HTTP ${res.status}`);
    }
    const env = envelope.safeParse(json);
    if (!env.success) return fail(res.ok ? "Prometheus answered in an unexpected format" : `Prometheus answered HTTP ${res.status}`);
    if (env.data.status === "error") return fail(`Prometheus refused the query (${env.data.errorType ?? `HTTP ${res.status}`}: ${env.data.error ?? "no message"})`);
    if (!res.ok) return fail(`Prometheus answered HTTP ${res.status}`);
    return { ok: true, data: env.data.data, warnings: env.data.warnings ?? [] };
  }

  return {
    url: base,
    async query(promql, at) {
      const r = await call("/api/v1/query", { query: promql, ...(at ? { time: String(at.getTime() / 1000) } : {}) });
      if (!r.ok) return r;
      const d = vectorData.safeParse(r.data);
      if (!d.success) {
        opts.log?.warn({ query: promql }, "metrics unavailable: malformed vector");
        return { ok: false, reason: "Prometheus answered in an unexpected format (expected an instant vector)" };
      }
      return { ok: true, warnings: r.warnings, data: d.data.result.map((x) => ({ metric: x.metric, time: x.value[0], value: Number(x.value[1]) })) };
    },
    async queryRange(promql, range) {
      const r = await call("/api/v1/query_range", {
        query: promql,
        start: String(range.start.getTime() / 1000),
        end: String(range.end.getTime() / 1000),
        step: String(range.stepSeconds),
      });
      if (!r.ok) return r;
      const d = matrixData.safeParse(r.data);
      if (!d.success) {
        opts.log?.warn({ query: promql }, "metrics unavailable: malformed matrix");
        return { ok: false, reason: "Prometheus answered in an unexpected format (expected a range matrix)" };
      }
      return { ok: true, warnings: r.warnings, data: d.data.result.map((x) => ({ metric: x.metric, points: x.values.map(([t, v]) => ({ time: t, value: Number(v) })) })) };
    },
  };
}

/** Prometheus from PROMETHEUS_URL, or an explanation when it is not configured. */
export function prometheusFromEnv(e: { PROMETHEUS_URL?: string | undefined; PROMETHEUS_TIMEOUT_MS: number }, log?: Logger): PrometheusClient | { ok: false; reason: string } {
  if (!e.PROMETHEUS_URL) return { ok: false, reason: "PROMETHEUS_URL is not set" };
  return createPrometheusClient({ url: e.PROMETHEUS_URL, timeoutMs: e.PROMETHEUS_TIMEOUT_MS, ...(log ? { log } : {}) });
}
