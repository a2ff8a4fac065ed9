import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
const { startEmbeddedPostgres } = await import("@/lib/dev/postgres");
const { applyMigrations } = await import("@/lib/db/migrate");
const dir = await mkdtemp(path.join(os.tmpdir(), "pm-"));
const server = await startEmbeddedPostgres({ dataDir: dir, persistent: false, durable: false, database: "pm" });
await applyMigrations(server.url);
const { createPrisma } = await import("@/lib/db/prisma");
const db = createPrisma(server.url, 4);
const pool = new pg.Pool({ connectionString: server.url, max: 4 });
async function measure(name: string, n: number, fn: () => Promise<unknown>) {
  for (let i = 0; i < 200; i++) await fn();
  const c = process.cpuUsage(); const t = performance.now();
  for (let i = 0; i < n; i++) await fn();
  const u = process.cpuUsage(c);
  console.log(`${name.padEnd(40)} cpu/op ${((u.user + u.system) / 1000 / n).toFixed(3)} ms  wall/op ${((performance.now() - t) / n).toFixed(3)} ms`);
}
const id = "00000000-0000-0000-0000-000000000001";
for (let r = 0; r < 2; r++) {
await measure("prisma $queryRaw SELECT 1", 2000, () => db.$queryRaw`SELECT 1`);
await measure("pg pool.query SELECT 1", 2000, () => pool.query("SELECT 1"));
await measure("prisma findMany sessions (orm)", 2000, () => db.session.findMany({ where: { userId: id, state: { in: ["requested", "ready"] } }, select: { name: true, gpuCount: true } }));
await measure("prisma itx lock+raw select", 1000, () => db.$transaction(async (tx) => { await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${"x"}))`; await tx.$queryRaw`SELECT name FROM sessions WHERE user_id = ${id}::uuid`; }));
await measure("prisma batch tx [lock, raw select]", 1000, () => db.$transaction([db.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${"x"}))`, db.$queryRaw`SELECT name FROM sessions WHERE user_id = ${id}::uuid`]));
await measure("prisma itx empty", 1000, () => db.$transaction(async () => {}));
await measure("pg client tx lock+select", 1000, async () => { const c = await pool.connect(); try { await c.query("BEGIN"); await c.query("SELECT pg_advisory_xact_lock(hashtext($1))", ["x"]); await c.query("SELECT name FROM sessions WHERE user_id = $1::uuid", [id]); await c.query("COMMIT"); } finally { c.release(); } });
}
await db.$disconnect(); await pool.end(); await server.stop();
