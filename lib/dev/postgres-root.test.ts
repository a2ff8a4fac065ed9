import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { isRoot, pgdataFor, reachableByOthers } from "./postgres-root";
import { startEmbeddedPostgres } from "./postgres";

// As root, PostgreSQL runs as the postgres user, which cannot walk into a 0700 directory (a
// checkout under /root, a `mktemp -d`): the cluster's data then lives in a shared directory.

const made: string[] = [];
afterAll(async () => {
  for (const d of made) await rm(d, { recursive: true, force: true });
});

async function privateDir(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), "ai-hub-private-"));
  made.push(d);
  await chmod(d, 0o700);
  return d;
}

describe("reachableByOthers", () => {
  it("is false below a 0700 directory, true below 0755 ones (missing directories do not count)", async () => {
    const d = await privateDir();
    expect(reachableByOthers(path.join(d, "a", "b"))).toBe(false);
    await chmod(d, 0o755);
    expect(reachableByOthers(path.join(d, "not-yet", "there"))).toBe(true);
    await mkdir(path.join(d, "closed"), { mode: 0o700 });
    await chmod(path.join(d, "closed"), 0o700);
    expect(reachableByOthers(path.join(d, "closed", "x"))).toBe(false);
  });
});

describe.runIf(isRoot)("embedded PostgreSQL as root from a private checkout", () => {
  it("keeps the data in a shared directory named after the checkout, and works", async () => {
    const checkout = await privateDir();
    const dataDir = path.join(checkout, ".data", "postgres");
    const pgdata = pgdataFor(dataDir);
    expect(pgdata.startsWith(checkout)).toBe(false);
    expect(pgdataFor(dataDir)).toBe(pgdata); // the same checkout finds its cluster again
    const server = await startEmbeddedPostgres({ dataDir, persistent: false, durable: false });
    try {
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      expect((await client.query<{ one: number }>("SELECT 1 AS one")).rows[0]!.one).toBe(1);
      await client.end();
      expect(existsSync(path.join(pgdata, "PG_VERSION"))).toBe(true);
    } finally {
      await server.stop();
    }
    expect(existsSync(path.dirname(pgdata))).toBe(false); // a throw-away cluster leaves nothing behind
  });
});
