import pino from "pino";
import { env } from "@/lib/env";

/**
 * The one structured logger of the portal's server processes. `service` comes from AI_HUB_SERVICE
 * (web, proxy, controller: set by each npm script), so a process never adds it a second time in a
 * child logger; secrets in well-known places are never written.
 */
export const log = pino({
  level: env().LOG_LEVEL,
  base: { service: env().AI_HUB_SERVICE },
  redact: { paths: ["req.headers.cookie", "req.headers.authorization", "*.token", "*.secret", "*.password"], remove: true },
});
