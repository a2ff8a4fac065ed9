/**
 * `npm run dev`: the whole AI Hub stack behind one URL, with embedded defaults for every part that
 * is not configured — PostgreSQL (unless DATABASE_URL), the development IdP (unless OIDC_ISSUER),
 * the cluster simulator (unless KUBECONFIG) — then Next.js, the proxy and the controller.
 *
 *   --port N   public port (default PORT or 3000)
 *   --e2e      for end-to-end tests: fresh throw-away data, a production build of Next.js
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { prefixer, startChild, supervise, supervisorHooks, type Running, type Service } from "./dev/supervisor";
import { findFreePort } from "./dev/ports";

const { values: args } = parseArgs({
  options: { port: { type: "string" }, e2e: { type: "boolean", default: false } },
});

const root = path.resolve(import.meta.dirname, "..");
const e2e = args.e2e ?? false;
const dataDir = e2e ? mkdtempSync(path.join(tmpdir(), "ai-hub-e2e-")) : path.join(root, ".data");
mkdirSync(dataDir, { recursive: true });
// mkdtemp makes 0700 folders; as root, PostgreSQL runs as `postgres` and must be able to reach its data.
if (e2e) chmodSync(dataDir, 0o755);
const publicPort = Number(args.port ?? process.env.PORT ?? 3000);
const publicUrl = `http://localhost:${publicPort}`;
const tsx = path.join(root, "node_modules/.bin/tsx");
const nextBin = path.join(root, "node_modules/.bin/next");

/** Configuration handed to every child process; starts from the user's own environment. */
const stackEnv: NodeJS.ProcessEnv = { ...process.env, NEXTAUTH_URL: process.env.NEXTAUTH_URL ?? publicUrl };
stackEnv.NEXTAUTH_SECRET ??= persistentSecret(path.join(dataDir, "nextauth-secret"));

const accountsBanner: string[] = [];
let index = 0;
const print = (name: string) => prefixer(name, index++);

const services: Service[] = [];

// Services stop in reverse order, so the throw-away data of an e2e run goes last.
if (e2e) {
  services.push({
    name: "cleanup",
    async start() {
      return { stop: async () => rmSync(dataDir, { recursive: true, force: true }) };
    },
  });
}

if (!process.env.DATABASE_URL) {
  services.push({
    name: "postgres",
    async start() {
      const { startEmbeddedPostgres } = await import("../lib/dev/postgres");
      const pg = await startEmbeddedPostgres({ dataDir: path.join(dataDir, "postgres"), persistent: !e2e, onLog: e2e ? undefined : print("postgres") });
      stackEnv.DATABASE_URL = pg.url;
      return pg;
    },
  });
}

services.push({
  name: "migrate",
  async start() {
    const { applyMigrations } = await import("../lib/db/migrate");
    const applied = await applyMigrations(stackEnv.DATABASE_URL!);
    print("migrate")(applied.length ? `applied ${applied.join(", ")}` : "database is up to date");
    return { stop: async () => {} };
  },
});

if (!process.env.OIDC_ISSUER) {
  services.push({
    name: "dev-idp",
    async start() {
      const { startDevIdp } = await import("../dev-idp/server");
      const clientId = "ai-hub-dev";
      const clientSecret = persistentSecret(path.join(dataDir, "dev-idp-client-secret"));
      const idp = await startDevIdp({
        // No port: with a dataDir it reuses last run's, so the issuer (and every demo identity) stays the same.
        dataDir: path.join(dataDir, "dev-idp"),
        clients: [{ clientId, clientSecret, redirectUris: [`${stackEnv.NEXTAUTH_URL}/api/auth/callback/iam`], postLogoutRedirectUris: [`${stackEnv.NEXTAUTH_URL}/`] }],
      });
      Object.assign(stackEnv, { OIDC_ISSUER: idp.issuer, OIDC_CLIENT_ID: clientId, OIDC_CLIENT_SECRET: clientSecret });
      accountsBanner.push(...idp.accounts.map((a) => `  ${a.username.padEnd(8)} ${a.password}   ${a.description}`));
      return idp;
    },
  });
}

if (!process.env.KUBECONFIG) {
  services.push({
    name: "sim",
    async start() {
      const kubeconfig = path.join(dataDir, "sim", "kubeconfig");
      mkdirSync(path.dirname(kubeconfig), { recursive: true });
      const port = await findFreePort();
      const child = await startChild({
        name: "sim",
        command: tsx,
        args: ["sim/main.ts", "--port", String(port), "--kubeconfig", kubeconfig],
        cwd: root,
        env: stackEnv,
        readyLine: /^sim ready (\S+)/,
        print: print("sim"),
        onExit: (code) => supervisorHooks.fail(`the cluster simulator stopped (exit ${code})`),
      });
      stackEnv.KUBECONFIG = kubeconfig;
      return child;
    },
  });
}

if (!process.env.KUBECONFIG) {
  services.push({
    name: "kueue",
    async start() {
      // The queue setup AI Hub expects (deploy/kueue), with quotas computed from the simulator's nodes.
      const run = await startChild({
        name: "kueue",
        command: tsx,
        args: ["deploy/kueue/generate.ts", "--apply", "--out", path.join(dataDir, "sim", "queues.yaml")],
        cwd: root,
        env: stackEnv,
        print: print("kueue"),
      });
      await exitedOk(run.child, "applying the Kueue queue setup");
      return { stop: async () => {} };
    },
  });
}

const webPort = { value: 0 };
/** The proxy's metrics listener; chosen with the web port so that Prometheus can scrape it. */
const proxyMetricsPort = { value: 0 };

if (!process.env.PROMETHEUS_URL) {
  services.push({
    name: "prometheus",
    async start() {
      // Scrapes the simulator's DCGM exporter and AI Hub's own /metrics; skipped with a hint when
      // the prometheus binary is not installed (the monitoring pages then say metrics are unavailable).
      const { startDevPrometheus, caFromKubeconfig } = await import("./dev/prometheus");
      webPort.value = await findFreePort();
      proxyMetricsPort.value = await findFreePort();
      stackEnv.METRICS_TOKEN ??= persistentSecret(path.join(dataDir, "metrics-token"));
      const kubeconfig = stackEnv.KUBECONFIG;
      const simUrl = kubeconfig ? simServerUrl(kubeconfig) : undefined;
      const prom = await startDevPrometheus({
        dataDir: path.join(dataDir, "prometheus"),
        targets: { sim: process.env.KUBECONFIG ? undefined : simUrl, aihub: `http://127.0.0.1:${webPort.value}`, proxy: `http://127.0.0.1:${proxyMetricsPort.value}` },
        token: stackEnv.METRICS_TOKEN,
        simCaCert: kubeconfig ? caFromKubeconfig(kubeconfig) : undefined,
        onLog: print("prometheus"),
      });
      if (!prom) return { stop: async () => {} };
      stackEnv.PROMETHEUS_URL = prom.url;
      return prom;
    },
  });
}

services.push({
  name: "web",
  async start(): Promise<Running> {
    webPort.value ||= await findFreePort();
    const env = { ...stackEnv, PORT: String(webPort.value), HOSTNAME: "127.0.0.1" };
    if (e2e) {
      const build = await startChild({ name: "build", command: nextBin, args: ["build"], cwd: root, env: { ...env, NODE_ENV: "production" }, print: print("build") });
      await exitedOk(build.child, "next build");
    }
    return startChild({
      name: "web",
      command: nextBin,
      args: [e2e ? "start" : "dev", "--port", String(webPort.value), "--hostname", "127.0.0.1"],
      cwd: root,
      env: e2e ? { ...env, NODE_ENV: "production" } : env,
      readyLine: /Ready in|started server/i,
      readyTimeoutMs: 120_000,
      print: print("web"),
      onExit: (code) => supervisorHooks.fail(`Next.js stopped (exit ${code})`),
    });
  },
});

services.push({
  name: "proxy",
  async start() {
    return startChild({
      name: "proxy",
      command: tsx,
      args: ["proxy/main.ts"],
      cwd: root,
      env: {
        ...stackEnv,
        AI_HUB_SERVICE: "proxy",
        PORT: String(publicPort),
        PROXY_PORT: String(publicPort),
        PROXY_LISTEN_HOST: "127.0.0.1",
        PROXY_WEB_URL: `http://127.0.0.1:${webPort.value}`,
        // Set when the dev Prometheus service picked it (and scrapes it); otherwise no proxy metrics.
        ...(proxyMetricsPort.value ? { PROXY_METRICS_PORT: String(proxyMetricsPort.value) } : {}),
      },
      readyLine: /proxy ready/,
      print: print("proxy"),
      onExit: (code) => supervisorHooks.fail(`the proxy stopped (exit ${code})`),
    });
  },
});

services.push({
  name: "controller",
  async start() {
    return startChild({
      name: "controller",
      command: tsx,
      args: ["controller/main.ts"],
      cwd: root,
      env: { ...stackEnv, AI_HUB_SERVICE: "controller" },
      readyLine: /leader|waiting for leadership/,
      print: print("controller"),
      onExit: (code) => supervisorHooks.fail(`the controller stopped (exit ${code})`),
    });
  },
});

void supervise(services, () => {
  const lines = [
    "",
    `AI Hub is running at ${publicUrl}`,
    "",
    ...(accountsBanner.length ? ["Demo accounts (development IdP):", ...accountsBanner, ""] : []),
    `Data: ${dataDir}${e2e ? " (deleted on exit)" : ""}. Stop with Ctrl-C.`,
    "",
  ];
  process.stdout.write(lines.join("\n") + "\n");
});

function exitedOk(child: import("node:child_process").ChildProcess, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null) return child.exitCode === 0 ? resolve() : reject(new Error(`${what} failed (exit ${child.exitCode})`));
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${what} failed (exit ${code})`))));
  });
}

/** The API server URL written in a kubeconfig (the simulator's, in dev). */
function simServerUrl(kubeconfig: string): string | undefined {
  return readFileSync(kubeconfig, "utf8").match(/server:\s*(\S+)/)?.[1];
}

/** A random secret kept in a file so that sessions survive restarts of the dev stack. */
function persistentSecret(file: string): string {
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(file, secret + "\n", { mode: 0o600 });
  return secret;
}
