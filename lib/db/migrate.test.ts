import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchDatabase } from "@/test/db";
import { applyMigrations, pendingMigrations } from "./migrate";
import { defaultMigrationsDir, migrationNames } from "./migration-files";
import { databaseReady } from "./ready";

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  applied_steps_count: number;
}

describe("[db] migrations on an empty database", () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let folders: string[];

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    folders = await migrationNames();
  });
  afterAll(async () => {
    await scratch.drop();
  });

  it("reports every folder as pending and the database as not ready before they run", async () => {
    expect(folders.length).toBeGreaterThan(0);
    expect(await pendingMigrations(scratch.url)).toEqual(folders);
    const ready = await databaseReady(scratch.url);
    expect(ready.ok).toBe(false);
    expect(ready.pendingMigrations).toEqual(folders);
  });

  it("applies every folder in order and records it in _prisma_migrations as prisma migrate deploy does", async () => {
    expect(await applyMigrations(scratch.url)).toEqual(folders);

    const client = new pg.Client({ connectionString: scratch.url });
    await client.connect();
    try {
      const rows = (await client.query<MigrationRow>("SELECT * FROM _prisma_migrations ORDER BY migration_name")).rows;
      expect(rows.map((r) => r.migration_name)).toEqual(folders);
      for (const row of rows) {
        expect(row.finished_at).not.toBeNull();
        expect(row.rolled_back_at).toBeNull();
        expect(row.applied_steps_count).toBe(1);
        // Prisma's checksum: SHA-256 of migration.sql, hex.
        const sql = await readFile(path.join(defaultMigrationsDir(), row.migration_name, "migration.sql"));
        expect(row.checksum).toBe(createHash("sha256").update(sql).digest("hex"));
      }
      const tables = (await client.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).rows.map((r) => r.tablename);
      expect(tables).toEqual(expect.arrayContaining(["users", "audit_log", "_prisma_migrations"]));
    } finally {
      await client.end();
    }
  });

  it("applies nothing the second time, and the database is then ready", async () => {
    expect(await applyMigrations(scratch.url)).toEqual([]);
    expect(await pendingMigrations(scratch.url)).toEqual([]);
    expect(await databaseReady(scratch.url)).toEqual({ ok: true });
  });
});

describe("[db] a migration that fails", () => {
  it("reports PostgreSQL's error, and later refuses to go on until the failure is resolved", async () => {
    const scratch = await createScratchDatabase();
    const dir = await mkdtemp(path.join(os.tmpdir(), "ai-hub-bad-migrations-"));
    try {
      await mkdir(path.join(dir, "20260101000000_bad"));
      await writeFile(path.join(dir, "20260101000000_bad", "migration.sql"), "CREATE TABLE t (id int);\nSELECT no_such_function();\n");
      await writeFile(path.join(dir, "migration_lock.toml"), 'provider = "postgresql"\n');
      await expect(applyMigrations(scratch.url, { migrationsDir: dir })).rejects.toThrow(/20260101000000_bad[\s\S]*no_such_function/);
      await expect(applyMigrations(scratch.url, { migrationsDir: dir })).rejects.toThrow(/failed migrations/i);
      expect(await pendingMigrations(scratch.url, dir)).toEqual(["20260101000000_bad"]);
      // The script runs as one transaction: the statement before the failing one left nothing.
      const client = new pg.Client({ connectionString: scratch.url });
      await client.connect();
      try {
        expect((await client.query("SELECT to_regclass('public.t') AS t")).rows[0].t).toBeNull();
      } finally {
        await client.end();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
      await scratch.drop();
    }
  });
});

describe("[db] a migration with a function", () => {
  it("applies a script whose function body and string literals contain semicolons", async () => {
    const scratch = await createScratchDatabase();
    const dir = await mkdtemp(path.join(os.tmpdir(), "ai-hub-fn-migrations-"));
    try {
      await mkdir(path.join(dir, "20260101000000_fn"));
      const sql = [
        "-- A comment; with a semicolon",
        "CREATE TABLE notes (body TEXT NOT NULL DEFAULT 'a; b');",
        "CREATE FUNCTION add_note(p TEXT) RETURNS INTEGER LANGUAGE plpgsql AS $$",
        "DECLARE n INTEGER;",
        "BEGIN",
        "  INSERT INTO notes (body) VALUES (p);",
        "  SELECT count(*) INTO n FROM notes;",
        "  RETURN n;",
        "END",
        "$$;",
        "",
      ].join("\n");
      await writeFile(path.join(dir, "20260101000000_fn", "migration.sql"), sql);
      await writeFile(path.join(dir, "migration_lock.toml"), 'provider = "postgresql"\n');
      expect(await applyMigrations(scratch.url, { migrationsDir: dir })).toEqual(["20260101000000_fn"]);
      const client = new pg.Client({ connectionString: scratch.url });
      await client.connect();
      try {
        expect((await client.query("SELECT add_note('x; y') AS n")).rows[0].n).toBe(1);
        expect((await client.query("INSERT INTO notes DEFAULT VALUES RETURNING body")).rows[0].body).toBe("a; b");
      } finally {
        await client.end();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
      await scratch.drop();
    }
  });
});

describe("[db] readiness", () => {
  it("says the database is unreachable without revealing the connection details", async () => {
    const ready = await databaseReady("postgresql://someone:secret@127.0.0.1:1/nothing");
    expect(ready).toEqual({ ok: false, reason: "database unreachable" });
  });
});
