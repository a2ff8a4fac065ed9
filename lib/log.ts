import pino from "pino";
import { env } from "@/lib/env";

/**
 * The one structured logger of the portal's server processes. Each process (proxy, controller)
 * takes a child with its own `service`; secrets in well-known places are never written.
 */
export const log = pino({
  level: env().LOG_LEVEL,
  base: { service: "web" },
  redact: { paths: ["req.headers.cookie", "req.headers.authorization", "*.token", "*.secret", "*.password"], remove: true },
});
