/**
 * Vitest global setup: ONE fresh PostgreSQL database per test run, migrated, handed to the test
 * files as `inject("databaseUrl")` (and as DATABASE_URL, which the forked workers inherit, so
 * lib/env and getPrisma() see it too).
 *
 * - Without DATABASE_URL: an embedded PostgreSQL in a temporary directory (never `.data/`), with
 *   durability off for speed, deleted at teardown.
 * - With DATABASE_URL: a database `ai_hub_test_<random>` created on that server and dropped at
 *   teardown. A non-local server is refused unless ALLOW_REMOTE_TEST_DB=1, so a stray production
 *   URL in a shell never gets test data.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { applyMigrations } from "@/lib/db/migrate";
import { postgresConfig } from "@/lib/db/postgres-config";
import { startEmbeddedPostgres } from "@/lib/dev/postgres";
import { parseEnv } from "@/lib/env";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "::1", "[::1]", ""]);

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client(postgresConfig(url));
  client.on("error", () => undefined);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A throw-away database on the DATABASE_URL server. */
async function databaseOnServer(serverUrl: string, allowRemote: boolean): Promise<{ url: string; drop: () => Promise<void> }> {
  const server = new URL(serverUrl);
  if (!LOCAL_HOSTS.has(server.hostname) && !allowRemote) {
    throw new Error(
      `Refusing to run tests against the non-local database server ${server.hostname}. Unset DATABASE_URL to use an embedded PostgreSQL, or set ALLOW_REMOTE_TEST_DB=1 if this server is meant for tests.`,
    );
  }
  const name = `ai_hub_test_${randomBytes(6).toString("hex")}`;
  await adminQuery(serverUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => adminQuery(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const config = parseEnv(process.env);
  let url: string;
  let teardown: () => Promise<void>;
  if (config.DATABASE_URL) {
    const db = await databaseOnServer(config.DATABASE_URL, config.ALLOW_REMOTE_TEST_DB);
    url = db.url;
    teardown = db.drop;
  } else {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "ai-hub-test-pg-"));
    const db = await startEmbeddedPostgres({ dataDir, persistent: false, durable: false, database: "ai_hub_test" });
    url = db.url;
    teardown = db.stop;
  }
  try {
    await applyMigrations(url);
  } catch (e) {
    await teardown();
    throw e;
  }
  project.provide("databaseUrl", url);
  // The lone write to process.env in the project: the test workers are forked after this and
  // inherit it, so code under test reads the test database through lib/env like in production.
  process.env.DATABASE_URL = url;
  return teardown;
}
