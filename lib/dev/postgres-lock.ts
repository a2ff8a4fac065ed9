/**
 * The lock file of an embedded cluster (pgdata/postmaster.pid) after an earlier run: stale ones
 * are removed, orphaned postmasters stopped, live owners respected.
 */
import { readFileSync } from "node:fs";
import { unlink } from "node:fs/promises";
import path from "node:path";
import { EmbeddedPostgresError, processAlive } from "./postgres-host";

/** The pid in a cluster's postmaster.pid, if any. */
export function postmasterPid(pgdata: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path.join(pgdata, "postmaster.pid"), "utf8").split("\n")[0] ?? "", 10);
    return Number.isFinite(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isPostgresProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("postgres");
  } catch {
    // No /proc (macOS): trust that a live pid is the postmaster.
    return processAlive(pid);
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!processAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !processAlive(pid);
}

/**
 * Deals with a postmaster.pid left by an earlier run: removes it when its process is gone (or the
 * pid now belongs to something else), stops an orphaned postmaster whose parent was killed, and
 * refuses when another live process is using the cluster.
 */
export async function clearStaleLock(
  pgdata: string,
  ownerPid: number | undefined,
  dataDir: string,
  options: { shareRunning?: boolean } = {},
): Promise<{ sharedWith: number } | undefined> {
  const pid = postmasterPid(pgdata);
  if (pid === undefined) return undefined;
  if (!processAlive(pid) || !isPostgresProcess(pid)) {
    await unlink(path.join(pgdata, "postmaster.pid")).catch(() => undefined);
    return undefined;
  }
  const owner = ownerPid;
  if (owner && owner !== process.pid && processAlive(owner)) {
    if (options.shareRunning) return { sharedWith: owner };
    throw new EmbeddedPostgresError(
      `the PostgreSQL in ${dataDir} is already running (pid ${pid}), started by process ${owner}`,
      `stop that process first (kill ${owner}), or set DATABASE_URL to use that server`,
    );
  }
  // Orphan of a killed run: ask for a fast shutdown, then an immediate one.
  process.kill(pid, "SIGINT");
  if (!(await waitForExit(pid, 15_000))) {
    process.kill(pid, "SIGQUIT");
    if (!(await waitForExit(pid, 5_000))) {
      throw new EmbeddedPostgresError(
        `a PostgreSQL left by an earlier run (pid ${pid}) does not stop`,
        `kill it (kill -9 ${pid}) and start again`,
      );
    }
  }
}
