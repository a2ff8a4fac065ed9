/**
 * `npm run bench:accounting`: 1,000,000 usage records (500 users, 40 groups, 12 months) in a
 * throw-away embedded PostgreSQL, then the dashboard queries through the same lib functions as the
 * pages and API (usageReport, usedInMonth), each timed over RUNS runs.
 *
 * Seeding is one INSERT … SELECT over generate_series on the server (no round trips), then the
 * rollups are rebuilt with the same arithmetic the controller uses when it closes records, and a
 * few hundred records are left open (they are added live by every query).
 * Prints a table of p50/p95 per query and, last, `p95_max_ms=<n>`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const USERS = Number(process.env.BENCH_USERS ?? 500);
const GROUPS = Number(process.env.BENCH_GROUPS ?? 40);
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const OPEN = Number(process.env.BENCH_OPEN ?? 300);

const { startEmbeddedPostgres } = await import("@/lib/dev/postgres");
const { applyMigrations } = await import("@/lib/db/migrate");
const pgDir = await mkdtemp(path.join(os.tmpdir(), "ai-hub-bench-acct-"));
const pgServer = await startEmbeddedPostgres({ dataDir: pgDir, persistent: false, durable: false, database: "ai_hub_bench" });
await applyMigrations(pgServer.url);
process.env.DATABASE_URL = pgServer.url;
process.env.LOG_LEVEL ??= "error";

const { getPrisma, disconnectPrisma } = await import("@/lib/db/prisma");
const { rebuildRollups } = await import("@/lib/accounting/usage-store");
const { parseUsageQuery } = await import("@/lib/accounting/usage-query");
const { usageReport, usageCsv } = await import("@/lib/accounting/usage-report");
const { usedInMonth } = await import("@/lib/budgets/assert-within-budget");

const db = getPrisma();
const now = new Date();
const step = (what: string, t0: number) => process.stdout.write(`${what} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);

try {
  let t0 = performance.now();
  // Users in 1–3 of the 40 groups.
  await db.$executeRawUnsafe(`
    INSERT INTO users (id, iam_issuer, iam_subject, username, display_name, groups, roles, updated_at)
    SELECT gen_random_uuid(), 'https://bench/', 'sub-' || i, 'user' || i, 'User ' || i,
      ARRAY(SELECT 'group' || ((i * 7 + k * 13) % ${GROUPS}) FROM generate_series(0, i % 3) k), ARRAY['researcher']::"Role"[], now()
    FROM generate_series(1, ${USERS}) i`);
  const profiles = [["mig-1g.10gb", 0.125], ["mig-2g.20gb", 0.25], ["mig-3g.40gb", 0.5], ["a100", 1], ["h100", 1.5], ["cpu", 0]] as const;
  const profileValues = profiles.map(([k, w], i) => `(${i}, '${k}', ${w})`).join(", ");
  // Records spread over the last 12 months, 20 min to 10 h, 1–2 GPUs; 30 % jobs.
  await db.$executeRawUnsafe(`
    WITH u AS (SELECT row_number() OVER (ORDER BY username) - 1 AS n, id, groups FROM users),
    p(n, key, weight) AS (VALUES ${profileValues}),
    s AS (
      SELECT i, (i % ${USERS}) AS un, (i * 31 % 6) AS pn,
        now() - interval '365 days' + (random() * interval '364 days') AS start,
        interval '20 minutes' + random() * interval '10 hours' AS dur
      FROM generate_series(1, ${RECORDS}) i)
    INSERT INTO usage_records (id, user_id, group_charged, profile_key, gpu_count, weight, cpu, memory_gib, started_at, ended_at, last_seen_at, source, source_id, end_reason)
    SELECT gen_random_uuid(), u.id, u.groups[1 + (s.i % array_length(u.groups, 1))],
      NULLIF(p.key, 'cpu'), CASE WHEN p.key = 'cpu' THEN 0 ELSE 1 + (s.i % 2) END, p.weight, 4, 16,
      s.start, LEAST(s.start + s.dur, now()), LEAST(s.start + s.dur, now()),
      CASE WHEN s.i % 10 < 3 THEN 'job' ELSE 'session' END::"UsageSource", gen_random_uuid(), 'bench'
    FROM s JOIN u ON u.n = s.un JOIN p ON p.n = s.pn`);
  step(`seeded ${USERS} users and ${RECORDS.toLocaleString("en-US")} records`, t0);
  t0 = performance.now();
  await db.$executeRawUnsafe(`UPDATE usage_records SET ended_at = NULL, started_at = now() - interval '3 hours' WHERE id IN (SELECT id FROM usage_records ORDER BY started_at DESC LIMIT ${OPEN})`);
  await rebuildRollups(db);
  await db.$executeRawUnsafe("ANALYZE");
  const counts = await db.$queryRawUnsafe<Array<{ d: bigint; m: bigint }>>("SELECT (SELECT COUNT(*) FROM usage_daily) AS d, (SELECT COUNT(*) FROM usage_monthly) AS m");
  step(`rollups rebuilt (${counts[0]!.d} daily rows, ${counts[0]!.m} monthly rows)`, t0);

  const user = (await db.user.findFirstOrThrow({ where: { username: "user42" } }));
  const me = { caller: { id: user.id, username: user.username, isAdmin: false } };
  const admin = { caller: { id: user.id, username: user.username, isAdmin: true } };
  const day = (daysAgo: number) => new Date(now.getTime() - daysAgo * 86_400_000).toISOString().slice(0, 10);
  const today = day(0);
  const q = (p: Record<string, string>) => parseUsageQuery(p, { now });
  const queries: Array<[string, () => Promise<unknown>]> = [
    ["mine by day, 30 days, by profile", () => usageReport(db, q({ from: day(29), to: today, groupBy: "day", by: "profile" }), me, now)],
    ["mine by month, 12 months, sessions vs jobs", () => usageReport(db, q({ from: day(365), to: today, groupBy: "month", by: "source" }), me, now)],
    ["admin top consumers this month (by user)", () => usageReport(db, q({ from: today.slice(0, 8) + "01", to: today, groupBy: "month", by: "user" }), admin, now)],
    ["admin month over month, 12 months, by group", () => usageReport(db, q({ from: day(365), to: today, groupBy: "month", by: "group" }), admin, now)],
    ["admin by profile, 12 months by month", () => usageReport(db, q({ from: day(365), to: today, groupBy: "month", by: "profile" }), admin, now)],
    ["admin by user, 30 days by day", () => usageReport(db, q({ from: day(29), to: today, groupBy: "day", by: "user" }), admin, now)],
    ["admin by profile, 26 weeks by week", () => usageReport(db, q({ from: day(181), to: today, groupBy: "week", by: "profile" }), admin, now)],
    ["admin one group, 90 days by day, CSV", async () => usageCsv(await usageReport(db, q({ from: day(89), to: today, groupBy: "day", by: "user", group: "group7" }), admin, now), "A100-hours")],
    ["budget check: group used this month", () => usedInMonth(db, { group: "group7", profileKey: null, now })],
    ["budget check: user cap this month, one profile", () => usedInMonth(db, { group: "group7", profileKey: "mig-1g.10gb", userId: user.id, now })],
  ];
  const rows: Array<{ name: string; p50: number; p95: number }> = [];
  for (const [name, fn] of queries) {
    await fn(); // warm-up: plans and pool
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      await fn();
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const pick = (p: number) => times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)]!;
    rows.push({ name, p50: pick(50), p95: pick(95) });
  }
  const w = Math.max(...rows.map((r) => r.name.length));
  process.stdout.write(`\n${"query".padEnd(w)}  ${"p50 ms".padStart(8)}  ${"p95 ms".padStart(8)}\n`);
  for (const r of rows) process.stdout.write(`${r.name.padEnd(w)}  ${r.p50.toFixed(1).padStart(8)}  ${r.p95.toFixed(1).padStart(8)}\n`);
  process.stdout.write(`p95_max_ms=${Math.round(Math.max(...rows.map((r) => r.p95)))}\n`);
} finally {
  await disconnectPrisma();
  await pgServer.stop();
  await rm(pgDir, { recursive: true, force: true });
}
