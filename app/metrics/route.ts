import { getPrisma } from "@/lib/db/client";
import { env } from "@/lib/env";
import { log } from "@/lib/log";
import { createHubRegistry, metricsAuthorised } from "@/lib/metrics/hub-metrics";
import type { Registry } from "prom-client";

export const dynamic = "force-dynamic";

// One registry per process (Next dev re-evaluates modules; metric names must not be registered twice).
const holder = globalThis as typeof globalThis & { aiHubMetrics?: Registry };

/** AI Hub's own metrics in Prometheus' text format; `Authorization: Bearer $METRICS_TOKEN`. Without METRICS_TOKEN: 404. */
export async function GET(request: Request): Promise<Response> {
  const token = env().METRICS_TOKEN;
  if (!token) return new Response("Not found\n", { status: 404 });
  if (!metricsAuthorised(request.headers.get("authorization"), token)) {
    return new Response("Unauthorized\n", { status: 401, headers: { "www-authenticate": 'Bearer realm="metrics"' } });
  }
  holder.aiHubMetrics ??= createHubRegistry(getPrisma);
  try {
    const body = await holder.aiHubMetrics.metrics();
    return new Response(body, { headers: { "content-type": holder.aiHubMetrics.contentType, "cache-control": "no-store" } });
  } catch (err) {
    log.error({ err }, "metrics collection failed");
    return new Response("metrics collection failed\n", { status: 503 });
  }
}
