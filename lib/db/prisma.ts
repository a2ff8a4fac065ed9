/**
 * The one PrismaClient of a process, created on first use (so importing this file needs no
 * database, e.g. during `next build`) with an explicit pool size.
 *
 * Why two files: Next.js code imports lib/db/client.ts, which adds `import "server-only"` so that a
 * Client Component importing the database fails the build. `server-only` throws when resolved
 * outside React's `react-server` condition, which is exactly how the controller and proxy (plain
 * tsx processes) and the Vitest workers resolve it — so they, and the lib/ services they share
 * with Next.js, import this file instead.
 */
import { createHash } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient, type Prisma } from "@/lib/generated/prisma/client";
import { env } from "@/lib/env";

/** The client or a transaction client: what services accept as their optional `tx` argument. */
export type Db = PrismaClient | Prisma.TransactionClient;

// Next.js dev re-evaluates modules on every change; keep one client (and one pool) per process.
const holder = globalThis as typeof globalThis & { aiHubPrisma?: PrismaClient };

/**
 * Idle connections stay open five minutes (pg's default is ten seconds): a connection costs a
 * SCRAM handshake on both ends, and a burst after a quiet spell (a hackathon's first minute)
 * would otherwise open the whole pool while users wait. Idle connections never keep a process
 * alive (allowExitOnIdle): a script that forgets to disconnect still exits.
 */
const POOL_IDLE_MS = 5 * 60_000;

/** Statements with more parameters than this are not prepared by name (see preparedStatementName). */
const MAX_PREPARED_PARAMS = 32;
/** SQL text → statement name: hashing every execution's text cost more than the lookup. */
const names = new Map<string, string>();

/**
 * The name a statement is prepared under (adapter-pg's statementNameGenerator), or undefined for
 * an unnamed one. A named statement is parsed once per connection, then bound, planned for its
 * values and run: PostgreSQL's CPU per spawn in a burst drops by about a third. The
 * name is a hash of the SQL text, so equal text shares one statement. Statements with many
 * parameters are left unnamed: Prisma writes an `IN` list as one placeholder per value, so every
 * list length would be one more statement kept on every connection.
 */
export function preparedStatementName(query: { sql: string; args: readonly unknown[] }): string | undefined {
  if (query.args.length > MAX_PREPARED_PARAMS) return undefined;
  let name = names.get(query.sql);
  if (name === undefined) {
    name = `aihub_${createHash("sha1").update(query.sql).digest("base64url")}`;
    // The statements a process runs are a few hundred texts; past this, hash each time.
    if (names.size < 5000) names.set(query.sql, name);
  }
  return name;
}

/**
 * `url` with `option` added to its `options` parameter (the connection's startup options), after
 * any the URL already has: pg takes a URL's parameters over the same fields given beside it.
 */
function withStartupOption(url: string, option: string): string {
  try {
    const u = new URL(url);
    const existing = u.searchParams.get("options");
    u.searchParams.set("options", existing ? `${existing} ${option}` : option);
    return u.toString();
  } catch {
    return url;
  }
}

/**
 * `preparedStatements`: false where a pooler in front of PostgreSQL cannot keep them (PgBouncer in
 * transaction mode before 1.21); DATABASE_PREPARED_STATEMENTS says which for the portal.
 */
export function createPrisma(url: string, poolSize: number, preparedStatements = true): PrismaClient {
  // The pool is ours and handed to the adapter, so that the few hot statements can use it
  // directly (sqlRows below); Prisma closes it on $disconnect.
  const pool = new pg.Pool({
    // A prepared statement is still planned for each execution's values: after five runs
    // PostgreSQL would otherwise try one generic plan for all, which made the usage reports
    // (date ranges over a million records) twice as slow. Parsing is what preparing saves.
    connectionString: preparedStatements ? withStartupOption(url, "-c plan_cache_mode=force_custom_plan") : url,
    max: poolSize,
    idleTimeoutMillis: POOL_IDLE_MS,
    allowExitOnIdle: true,
  });
  const client = new PrismaClient({
    adapter: new PrismaPg(pool, {
      disposeExternalPool: true,
      // pg prepares a statement whose name is falsy as an unnamed one.
      ...(preparedStatements ? { statementNameGenerator: (q: { sql: string; args: readonly unknown[] }) => preparedStatementName(q) ?? "" } : {}),
    }),
  });
  pools.set(client, { pool, preparedStatements });
  return client;
}

/** Each client's pool, for sqlRows. A transaction client is not in it. */
const pools = new WeakMap<object, { pool: pg.Pool; preparedStatements: boolean }>();

/**
 * One SQL statement (`$1`, `$2` … placeholders) on a hot path, straight on the client's pg pool:
 * the same connections, prepared-statement names and settings as Prisma's, without Prisma's
 * query machinery, which costs ~0.2 ms of CPU per statement against pg's ~0.06 (docs/database.md).
 * Used where a statement runs on nearly every request: the API token check, the session list,
 * the spawn. Given a transaction client (or a closed client) it runs the statement through
 * Prisma's `$queryRawUnsafe`, inside that transaction.
 *
 * The rows are the same either way only for these column types: text, uuid, integer, double
 * precision, boolean, timestamptz (Date), text[] (cast enum arrays to text[]; count(*) to integer).
 * Never bigint, numeric or json: pg and Prisma give those different JavaScript types.
 */
export async function sqlRows<T>(db: Db, text: string, values: readonly unknown[]): Promise<T[]> {
  const direct = pools.get(db);
  if (!direct || direct.pool.ending) return (db as PrismaClient).$queryRawUnsafe<T[]>(text, ...values);
  const name = direct.preparedStatements ? preparedStatementName({ sql: text, args: values }) : undefined;
  const result = await direct.pool.query<T & pg.QueryResultRow>({ text, values: values as unknown[], ...(name ? { name } : {}) });
  return result.rows;
}

export function getPrisma(): PrismaClient {
  if (typeof window !== "undefined") throw new Error("lib/db runs on the server only");
  if (holder.aiHubPrisma) return holder.aiHubPrisma;
  const { DATABASE_URL, DATABASE_POOL_SIZE, DATABASE_PREPARED_STATEMENTS } = env();
  if (!DATABASE_URL) {
    throw new Error("DATABASE_URL is not set: start the portal with `npm run dev`, which provides a database, or set DATABASE_URL");
  }
  holder.aiHubPrisma = createPrisma(DATABASE_URL, DATABASE_POOL_SIZE, DATABASE_PREPARED_STATEMENTS);
  return holder.aiHubPrisma;
}

/** Closes the pool (process shutdown, tests). The next getPrisma() opens a new one. */
export async function disconnectPrisma(): Promise<void> {
  const client = holder.aiHubPrisma;
  holder.aiHubPrisma = undefined;
  await client?.$disconnect();
}
