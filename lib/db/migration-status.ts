/**
 * Which migration folders a database has not applied yet, read from `_prisma_migrations` with one
 * plain query: no schema engine, so the readiness check in the web process stays light.
 */
import pg from "pg";
import { defaultMigrationsDir, migrationNames } from "./migration-files";
import { postgresConfig } from "./postgres-config";

/**
 * Migration folder names that are not successfully applied to the database at `url` (never run,
 * failed, or rolled back), in apply order. Throws when the database cannot be reached.
 */
export async function pendingMigrations(url: string, migrationsDir = defaultMigrationsDir()): Promise<string[]> {
  const names = await migrationNames(migrationsDir);
  const client = new pg.Client({ ...postgresConfig(url), connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const table = await client.query<{ exists: boolean }>("SELECT to_regclass('_prisma_migrations') IS NOT NULL AS exists");
    if (!table.rows[0]?.exists) return names;
    const applied = await client.query<{ migration_name: string }>(
      "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL",
    );
    const done = new Set(applied.rows.map((r) => r.migration_name));
    return names.filter((n) => !done.has(n));
  } finally {
    await client.end();
  }
}
