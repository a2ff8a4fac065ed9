/**
 * The proxy's settings, taken from lib/env (the only reader of process.env; variables PROXY_*)
 * and named for what the proxy does with them.
 */
import type { Env } from "@/lib/env";

export interface ProxyConfig {
  port: number;
  listenHost: string;
  webUrl: string;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  keepAliveTimeoutMs: number;
  shutdownGraceMs: number;
  maxSocketsPerTarget: number;
  trustForwarded: boolean;
  authCacheTtlMs: number;
  activityFlushMs: number;
  /** Port of the separate /metrics listener (on listenHost); undefined: no metrics at all. */
  metricsPort: number | undefined;
}

/** PROXY_METRICS_PORT is declared here until lib/env.ts has it (then this intersection changes nothing). */
type ProxyEnv = Env & { PROXY_METRICS_PORT?: number };

export function proxyConfig(e: ProxyEnv): ProxyConfig {
  return {
    port: e.PROXY_PORT,
    listenHost: e.PROXY_LISTEN_HOST,
    webUrl: e.PROXY_WEB_URL,
    connectTimeoutMs: e.PROXY_CONNECT_TIMEOUT_MS,
    idleTimeoutMs: e.PROXY_IDLE_TIMEOUT_MS,
    keepAliveTimeoutMs: e.PROXY_KEEPALIVE_TIMEOUT_MS,
    shutdownGraceMs: e.PROXY_SHUTDOWN_GRACE_MS,
    maxSocketsPerTarget: e.PROXY_MAX_SOCKETS_PER_TARGET,
    trustForwarded: e.PROXY_TRUST_FORWARDED,
    authCacheTtlMs: e.PROXY_AUTH_CACHE_TTL_MS,
    activityFlushMs: e.PROXY_ACTIVITY_FLUSH_MS,
    metricsPort: e.PROXY_METRICS_PORT,
  };
}
