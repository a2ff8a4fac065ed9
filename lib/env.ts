import { z } from "zod";

/**
 * The only reader of process.env. Every variable is validated at start; all problems are reported
 * at once so that an operator fixes a broken configuration in one pass.
 */

const csv = z
  .string()
  .transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean));

const bool = z
  .enum(["0", "1", "true", "false", "yes", "no"])
  .transform((v) => v === "1" || v === "true" || v === "yes");

const url = z.url({ message: "must be an absolute URL such as https://example.org" });

export const envSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
    /** `service` in every log line; `npm run proxy` and `npm run controller` set their own. */
    AI_HUB_SERVICE: z.string().regex(/^[a-z][a-z0-9-]*$/, "must be a lowercase name such as proxy").default("web"),

    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgresql:// connection string")
      .optional(),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    /** Named prepared statements (lib/db/prisma.ts); false behind PgBouncer in transaction mode before 1.21. */
    DATABASE_PREPARED_STATEMENTS: bool.default(true),
    /** Let the tests create their throw-away database on a non-local DATABASE_URL server. */
    ALLOW_REMOTE_TEST_DB: bool.default(false),

    NEXTAUTH_URL: url.optional(),
    NEXTAUTH_SECRET: z.string().min(32, "must be at least 32 characters (openssl rand -base64 32)").optional(),

    OIDC_ISSUER: url.optional(),
    OIDC_CLIENT_ID: z.string().min(1).optional(),
    OIDC_CLIENT_SECRET: z.string().min(1).optional(),
    OIDC_SCOPES: z.string().default("openid profile email offline_access"),
    OIDC_GROUPS_CLAIM: z.string().default("groups"),
    ALLOWED_GROUPS: csv.default(["users/ai-infn"]),
    ADMIN_GROUPS: csv.default(["admins/ai-infn"]),
    // The development IdP's organiser account (olga) is in this group; real IAM deployments set their own.
    ORGANISER_GROUPS: csv.default(["organisers/ai-infn"]),
    /** Lifetime of a portal login in hours; afterwards the session cookie is invalid and people sign in again. */
    AUTH_SESSION_HOURS: z.coerce.number().min(0.25).max(24 * 30).default(12),

    /** Run the development identity provider even though NODE_ENV=production. */
    DEV_IDP: bool.default(false),

    // --- Kubernetes and interactive sessions (lib/kube, lib/sessions, controller/) ---
    /** Path of a kubeconfig; without it the in-cluster service account is used. */
    KUBECONFIG: z.string().min(1).optional(),
    KUBE_NAMESPACE: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a DNS label").default("ai-hub"),
    KUBE_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
    /** Defaults when no SessionPolicy row matches one of the user's groups. */
    SESSION_MAX_PER_USER: z.coerce.number().int().min(0).default(3),
    /** Spawns one web process works on at once; more wait in arrival order (lib/sessions/spawn-gate.ts). */
    SPAWN_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(8),
    SESSION_MAX_GPUS_PER_USER: z.coerce.number().int().min(0).default(2),
    SESSION_MAX_CPU: z.coerce.number().min(0.1).default(8),
    SESSION_MAX_MEMORY_GIB: z.coerce.number().min(0.5).default(32),
    SESSION_UID: z.coerce.number().int().min(1, "sessions never run as root").default(1000),
    SESSION_GID: z.coerce.number().int().min(0).default(100),
    SESSION_SHM_GIB: z.coerce.number().min(0).default(2),
    SESSION_HOME_SIZE: z.string().regex(/^\d+(Mi|Gi|Ti)$/, "must be a quantity such as 20Gi").default("20Gi"),
    SESSION_HOME_STORAGE_CLASS: z.string().min(1).optional(),
    /** Shared volumes mounted in every session: `claim:/mount/path[:ro]`, comma-separated. */
    SHARED_VOLUMES: csv.default([]),
    /** Seconds a session may wait for Kueue admission before it fails. */
    SESSION_ADMISSION_TIMEOUT: z.coerce.number().int().min(1).default(1800),
    /** Seconds an admitted pod may stay unschedulable before the session fails with the scheduler's message. */
    SESSION_UNSCHEDULABLE_GRACE: z.coerce.number().int().min(0).default(20),
    INTERACTIVE_LOCAL_QUEUE: z.string().min(1).default("interactive"),
    INTERACTIVE_PRIORITY_CLASS: z.string().min(1).default("ai-hub-interactive"),
    CULL_IDLE_TIMEOUT: z.coerce.number().int().min(60).default(3600),
    /** Maximum session age in seconds; 0 turns it off. */
    CULL_MAX_AGE: z.coerce.number().int().min(0).default(0),
    /** Seconds between the cull warning shown in the UI and the stop; at least 10 minutes. */
    CULL_WARNING: z.coerce.number().int().min(600, "must be at least 600 seconds (10 minutes)").default(900),
    CULL_EVERY: z.coerce.number().int().min(1).default(60),
    /** Seconds a session may hold a GPU below GPU_IDLE_THRESHOLD (from Prometheus) before it is warned, then stopped; 0 turns it off. */
    CULL_GPU_IDLE: z.coerce.number().int().min(0).default(0),
    /** Seconds before a managed pod without a session row is deleted. */
    ORPHAN_GRACE: z.coerce.number().int().min(0).default(300),
    // --- Batch jobs (lib/batch, controller/jobs-*.ts) ---
    /** LocalQueue of batch Jobs (in KUBE_NAMESPACE), pointing at the zero-quota `batch` ClusterQueue. */
    BATCH_LOCAL_QUEUE: z.string().min(1).default("batch"),
    /** Pod PriorityClass of batch pods: below interactive, preemptionPolicy Never (deploy/kueue/base.yaml). */
    BATCH_PRIORITY_CLASS: z.string().min(1).default("ai-hub-batch"),
    BATCH_MAX_TRIALS: z.coerce.number().int().min(1).max(1000).default(16),
    BATCH_MAX_DEADLINE_SECONDS: z.coerce.number().int().min(60).default(7 * 86_400),
    /** Seconds a finished Job (and its pods, with their logs) stays in the cluster; AI Hub keeps the log tails itself. */
    BATCH_TTL_SECONDS: z.coerce.number().int().min(0).default(86_400),
    /** Name of the PostgreSQL advisory lock the controllers compete for (one leader per name). */
    CONTROLLER_LOCK_NAME: z.string().min(1).default("ai-hub:controller"),
    /**
     * Nice value the controller process lowers itself to (0: leave it). Its work is background
     * reconciliation; on a host it shares with the web, requests go first (controller/priority.ts).
     */
    CONTROLLER_NICE: z.coerce.number().int().min(0).max(19).default(10),

    // --- Monitoring and accounting (lib/metrics, lib/accounting, lib/budgets, controller/usage-*) ---
    /** Prometheus scraping the DCGM exporter and kube-state-metrics; unset: monitoring pages say so. */
    PROMETHEUS_URL: url.optional(),
    PROMETHEUS_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
    /** Bearer token Prometheus presents to scrape AI Hub's own /metrics; unset: /metrics answers 404. */
    METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
    /** Name of a weighted GPU-hour in pages and budget messages (weights are relative to this GPU). */
    ACCOUNTING_UNIT: z.string().min(1).default("A100-hours"),
    /** Hours of a new request counted against a budget before it starts (see lib/budgets/decide.ts). */
    BUDGET_HORIZON_HOURS: z.coerce.number().min(0).max(24 * 31).default(4),
    /** Seconds between heartbeats on open usage records: bounds what a crash can lose. */
    USAGE_HEARTBEAT_SECONDS: z.coerce.number().int().min(5).max(3600).default(60),
    /** GPU activity (ratio) and window below which a session holding a GPU is listed as idle. */
    GPU_IDLE_THRESHOLD: z.coerce.number().min(0).max(1).default(0.05),
    GPU_IDLE_WINDOW: z.string().regex(/^\d+(s|m|h)$/, "must be a duration such as 30m").default("30m"),

    // --- Session proxy (proxy/) ---
    /** Public port of the proxy (the portal's URL). */
    PROXY_PORT: z.coerce.number().int().min(0).max(65535).default(8000),
    PROXY_LISTEN_HOST: z.string().min(1).default("0.0.0.0"),
    /** The Next.js server that everything outside /user/ goes to. */
    PROXY_WEB_URL: url.default("http://127.0.0.1:3001"),
    PROXY_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(5_000),
    /** Inactivity allowed on an upstream exchange (long polls, quiet streams); 0 disables. */
    PROXY_IDLE_TIMEOUT_MS: z.coerce.number().int().min(0).default(300_000),
    /** How long an idle client keep-alive connection is kept; above the load balancer's idle timeout. */
    PROXY_KEEPALIVE_TIMEOUT_MS: z.coerce.number().int().min(0).default(65_000),
    PROXY_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(25_000),
    PROXY_MAX_SOCKETS_PER_TARGET: z.coerce.number().int().min(1).max(65_535).default(256),
    /** Keep X-Forwarded-Proto/Host from a trusted ingress in front of the proxy. */
    PROXY_TRUST_FORWARDED: bool.default(false),
    PROXY_AUTH_CACHE_TTL_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
    PROXY_ACTIVITY_FLUSH_MS: z.coerce.number().int().min(100).default(30_000),
    /** Port of the proxy's separate /metrics listener (on PROXY_LISTEN_HOST, token METRICS_TOKEN); unset: no proxy metrics. */
    PROXY_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === "production") {
      for (const key of ["NEXTAUTH_SECRET", "NEXTAUTH_URL"] as const) {
        if (!env[key]) ctx.addIssue({ code: "custom", path: [key], message: "is required in production" });
      }
    }
    if (env.OIDC_ISSUER) {
      for (const key of ["OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"] as const) {
        if (!env[key]) ctx.addIssue({ code: "custom", path: [key], message: "is required when OIDC_ISSUER is set" });
      }
    }
  });

export type Env = z.infer<typeof envSchema>;

export class EnvError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "EnvError";
  }
}

/** Parses an environment; throws EnvError listing every bad variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  // Empty strings mean "unset", as in most deployment tools.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = envSchema.safeParse(cleaned);
  if (result.success) return result.data;
  throw new EnvError(result.error.issues.map((i) => `${i.path.join(".") || "(environment)"}: ${i.message}`));
}

let cached: Env | undefined;

/** The validated process environment, parsed once. */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}
