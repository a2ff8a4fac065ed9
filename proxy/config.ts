/**
 * The proxy's own environment variables, parsed with zod. Shared ones (NEXTAUTH_SECRET,
 * DATABASE_URL, LOG_LEVEL, NODE_ENV) come from lib/env; these are to move there too.
 */
import { z } from "zod";

const ms = (fallback: number) => z.coerce.number().int().min(0).default(fallback);
const bool = z
  .enum(["0", "1", "true", "false", "yes", "no"])
  .transform((v) => v === "1" || v === "true" || v === "yes");

export const proxyConfigSchema = z.object({
  /** Public port of the proxy (the portal's URL). */
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  PROXY_LISTEN_HOST: z.string().default("0.0.0.0"),
  /** The Next.js server everything outside /user/ goes to. */
  PROXY_WEB_URL: z.url().default("http://127.0.0.1:3001"),
  PROXY_CONNECT_TIMEOUT_MS: ms(5_000),
  PROXY_IDLE_TIMEOUT_MS: ms(300_000),
  PROXY_KEEPALIVE_TIMEOUT_MS: ms(65_000),
  PROXY_MAX_SOCKETS_PER_TARGET: z.coerce.number().int().min(1).default(256),
  PROXY_TRUST_FORWARDED: bool.default(false),
  PROXY_AUTH_CACHE_TTL_MS: ms(30_000),
  PROXY_ACTIVITY_FLUSH_MS: z.coerce.number().int().min(100).default(30_000),
  PROXY_SHUTDOWN_GRACE_MS: ms(25_000),
});

export type ProxyConfig = z.infer<typeof proxyConfigSchema>;

export function parseProxyConfig(source: Record<string, string | undefined>): ProxyConfig {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = proxyConfigSchema.safeParse(cleaned);
  if (result.success) return result.data;
  throw new Error(`Invalid proxy configuration:\n${result.error.issues.map((i) => `  - ${i.path.join(".")}: ${i.message}`).join("\n")}`);
}
