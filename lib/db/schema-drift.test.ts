import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabaseUrl } from "@/test/db";
import { createMigration, diffSchema } from "./migrate";
import { defaultSchemaPath } from "./migration-files";

describe("[db] schema.prisma and prisma/migrations", () => {
  it("agree: the migrations build exactly the schema (otherwise run `npm run db:migration -- <name>`)", async () => {
    const missing = await diffSchema(testDatabaseUrl());
    expect(missing, "schema.prisma has changes without a migration; run `npm run db:migration -- <name>`").toBe("");
  });
});

describe("[db] drift detection and migration creation", () => {
  let dir: string;
  let schemaPath: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "ai-hub-migrations-"));
    schemaPath = path.join(dir, "schema.prisma");
    // The real schema plus one column that no migration creates.
    const schema = await readFile(defaultSchemaPath(), "utf8");
    await writeFile(schemaPath, schema.replace("  blocked       Boolean", "  shoeSize      Int?\n  blocked       Boolean"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("sees a schema change that has no migration", async () => {
    const missing = await diffSchema(testDatabaseUrl(), { schemaPath });
    expect(missing).toContain('ALTER TABLE "users" ADD COLUMN     "shoeSize" INTEGER');
  });

  it("writes the first and the next migration folders, then reports no changes", async () => {
    const migrationsDir = path.join(dir, "migrations");
    const first = await createMigration(testDatabaseUrl(), "init", { migrationsDir, schemaPath }, new Date("2026-01-02T03:04:05Z"));
    expect(first && path.basename(first)).toBe("20260102030405_init");
    expect(await readFile(path.join(first!, "migration.sql"), "utf8")).toContain('CREATE TABLE "users"');
    expect(await readFile(path.join(migrationsDir, "migration_lock.toml"), "utf8")).toContain('provider = "postgresql"');

    expect(await createMigration(testDatabaseUrl(), "again", { migrationsDir, schemaPath })).toBeUndefined();
    expect((await readdir(migrationsDir)).sort()).toEqual(["20260102030405_init", "migration_lock.toml"]);
  });

  it("refuses a migration name that is not a plain identifier", async () => {
    await expect(createMigration(testDatabaseUrl(), "../escape", { migrationsDir: dir, schemaPath })).rejects.toThrow(/letters, digits and _/);
  });
});
