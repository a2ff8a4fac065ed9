import type { PoolConfig } from "pg";

/**
 * Turns a postgresql:// URL into discrete `pg` options. `@prisma/adapter-pg` opens the migration
 * shadow database as `{ ...config, database }`, and `pg` lets a `connectionString` override
 * `database` — so with a URL the "shadow" pool would silently use the main database.
 */
export function postgresConfig(url: string, extra: Omit<PoolConfig, "connectionString"> = {}): PoolConfig {
  const u = new URL(url);
  const sslmode = u.searchParams.get("sslmode");
  return {
    host: decodeURIComponent(u.hostname) || "localhost",
    port: u.port ? Number(u.port) : 5432,
    user: decodeURIComponent(u.username) || undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    database: decodeURIComponent(u.pathname.replace(/^\//, "")) || undefined,
    // sslmode=require/prefer: encrypt without verifying, as libpq does; verify-ca/verify-full: verify.
    ssl: !sslmode || sslmode === "disable" ? undefined : { rejectUnauthorized: sslmode.startsWith("verify") },
    ...extra,
  };
}
