/**
 * The migration folders on disk, in the layout `prisma migrate` uses:
 * prisma/migrations/<timestamp>_<name>/migration.sql plus migration_lock.toml.
 * Plain fs: safe to import from Next.js (the readiness check reads the folder names).
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { MigrationList } from "@prisma/schema-engine-wasm";

export const defaultMigrationsDir = (): string => path.resolve(process.cwd(), "prisma", "migrations");
export const defaultSchemaPath = (): string => path.resolve(process.cwd(), "prisma", "schema.prisma");

/** Names of the migration folders, in the order they apply. */
export async function migrationNames(migrationsDir = defaultMigrationsDir()): Promise<string[]> {
  // Not traced by the Next.js build (it would trace the whole project): the folder is read at run
  // time, and deployments ship prisma/ whole (Dockerfile).
  const entries = await readdir(/*turbopackIgnore: true*/ migrationsDir, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return [];
    throw e;
  });
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort((a, b) => a.localeCompare(b));
}

/** The folder as the schema engine expects it (what Prisma's CLI builds before each migrate command). */
export async function loadMigrationList(migrationsDir = defaultMigrationsDir()): Promise<MigrationList> {
  const baseDir = path.resolve(/*turbopackIgnore: true*/ migrationsDir);
  const lockfile = "migration_lock.toml";
  const lockContent = await readFile(path.join(baseDir, lockfile), "utf8").catch(() => null);
  const migrationDirectories = await Promise.all(
    (await migrationNames(baseDir)).map(async (name) => ({
      path: name,
      migrationFile: {
        path: "migration.sql",
        content: await readFile(path.join(baseDir, name, "migration.sql"), "utf8").then(
          (value) => ({ tag: "ok" as const, value }),
          (e: Error) => ({ tag: "error" as const, value: e.message }),
        ),
      },
    })),
  );
  return { baseDir, lockfile: { path: lockfile, content: lockContent }, shadowDbInitScript: "", migrationDirectories };
}
