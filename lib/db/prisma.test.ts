import { afterAll, describe, expect, it } from "vitest";
import { createPrisma, preparedStatementName, sqlRows } from "@/lib/db/prisma";
import { seedUser, testDatabaseUrl } from "@/test/db";

const prepared = (db: ReturnType<typeof createPrisma>) =>
  db.$queryRaw<Array<{ name: string; statement: string }>>`SELECT name, statement FROM pg_prepared_statements`;

describe("preparedStatementName", () => {
  it("one name per SQL text, a valid PostgreSQL identifier", () => {
    const a = preparedStatementName({ sql: "SELECT 1", args: [] });
    expect(a).toBe(preparedStatementName({ sql: "SELECT 1", args: [] }));
    expect(a).not.toBe(preparedStatementName({ sql: "SELECT 2", args: [] }));
    expect(a).toMatch(/^aihub_[A-Za-z0-9_-]{27}$/);
    expect(a!.length).toBeLessThanOrEqual(63);
  });

  it("statements with many parameters (long IN lists) are not named", () => {
    expect(preparedStatementName({ sql: "SELECT $1", args: Array(32).fill(1) })).toBeDefined();
    expect(preparedStatementName({ sql: "SELECT $1", args: Array(33).fill(1) })).toBeUndefined();
  });
});

describe("prepared statements on a connection (one-connection pool, so every query shares it)", () => {
  const named = createPrisma(testDatabaseUrl(), 1, true);
  const unnamed = createPrisma(testDatabaseUrl(), 1, false);
  afterAll(async () => {
    await named.$disconnect();
    await unnamed.$disconnect();
  });

  it("a query is prepared once under its name and reused; ORM queries and transactions work on prepared statements", async () => {
    const u = await seedUser();
    for (let i = 0; i < 3; i++) {
      expect(await named.user.findUnique({ where: { id: u.id }, select: { username: true } })).toEqual({ username: u.username });
    }
    const statements = await prepared(named);
    const findUser = statements.filter((s) => s.statement.includes('FROM "public"."users"'));
    expect(findUser).toHaveLength(1);
    expect(findUser[0]!.name).toMatch(/^aihub_/);
    // Interactive transactions, raw SQL and a long IN list (unnamed) on the same connection.
    const ids = [u.id, ...Array.from({ length: 40 }, () => crypto.randomUUID())];
    const found = await named.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${u.id}))`;
      return tx.user.findMany({ where: { id: { in: ids } }, select: { id: true } });
    });
    expect(found).toEqual([{ id: u.id }]);
    expect((await prepared(named)).some((s) => s.statement.includes("IN ($1,$2"))).toBe(false);
  });

  it("each execution is still planned for its own values (plan_cache_mode), keeping options the URL sets", async () => {
    expect(await named.$queryRaw`SELECT current_setting('plan_cache_mode') AS mode`).toEqual([{ mode: "force_custom_plan" }]);
    expect(await unnamed.$queryRaw`SELECT current_setting('plan_cache_mode') AS mode`).toEqual([{ mode: "auto" }]);
    const url = new URL(testDatabaseUrl());
    url.searchParams.set("options", "-c statement_timeout=12345");
    const withUrlOptions = createPrisma(url.toString(), 1, true);
    try {
      expect(await withUrlOptions.$queryRaw`SELECT current_setting('plan_cache_mode') AS mode, current_setting('statement_timeout') AS timeout`).toEqual([{ mode: "force_custom_plan", timeout: "12345ms" }]);
    } finally {
      await withUrlOptions.$disconnect();
    }
  });

  it("DATABASE_PREPARED_STATEMENTS=false: nothing is prepared by name", async () => {
    const u = await seedUser();
    await unnamed.user.findUnique({ where: { id: u.id } });
    await sqlRows(unnamed, "SELECT username FROM users WHERE id = $1::uuid", [u.id]);
    expect(await prepared(unnamed)).toEqual([]);
  });

  it("sqlRows: on the pool, prepared under its name on Prisma's connection; in a transaction, through it; the same rows either way", async () => {
    const u = await seedUser({ groups: ["g/a", "g/b"] });
    const sql = `SELECT id, username, groups, roles::text[] AS roles, blocked, created_at, 2.5::float8 AS f, count(*) OVER ()::integer AS n, $2::text AS echo
                 FROM users WHERE id = $1::uuid`;
    const direct = await sqlRows<Record<string, unknown>>(named, sql, [u.id, "x"]);
    expect(direct).toEqual([{ id: u.id, username: u.username, groups: ["g/a", "g/b"], roles: ["researcher"], blocked: false, created_at: u.createdAt, f: 2.5, n: 1, echo: "x" }]);
    expect((await prepared(named)).filter((s) => s.statement === sql).map((s) => s.name)).toEqual([preparedStatementName({ sql, args: [u.id, "x"] })]);
    // Inside a transaction the statement sees the transaction's own uncommitted writes.
    const inTx = await named.$transaction(async (tx) => {
      await tx.user.update({ where: { id: u.id }, data: { blocked: true } });
      return sqlRows(tx, sql, [u.id, "x"]);
    });
    expect(inTx).toEqual([{ ...direct[0], blocked: true }]);
    await named.user.update({ where: { id: u.id }, data: { blocked: false } });
  });
});
