import pino from "pino";

/** The one structured logger of the portal's server processes (web, proxy, controller). */
export const log = pino({
  level: process.env.LOG_LEVEL ?? "info",
  base: { service: process.env.AI_HUB_SERVICE ?? "web" },
  redact: { paths: ["req.headers.cookie", "req.headers.authorization", "*.token", "*.secret"], remove: true },
});
