/**
 * `npm run db:migrate`            apply prisma/migrations to DATABASE_URL
 * `npm run db:migration -- <name>` write prisma/migrations/<timestamp>_<name>/ from schema.prisma
 *
 * Both use Prisma's WebAssembly schema engine (lib/db/migrate.ts), so they work offline; where
 * Prisma's binary engine is available, `prisma migrate deploy` applies the same folders.
 * Without DATABASE_URL they start the embedded PostgreSQL of `.data/` (as `npm run dev` does) and
 * stop it again. `create` needs a server because the engine replays the migrations in a temporary
 * shadow database there (the role must be allowed to create databases).
 */
import path from "node:path";
import { applyMigrations, createMigration } from "@/lib/db/migrate";
import { startDevDatabase } from "@/lib/dev/dev-database";

const usage = "usage: tsx scripts/migrate.ts apply | create <name>";

async function main(argv: string[]): Promise<number> {
  const [command, name] = argv;
  if (command !== "apply" && command !== "create") {
    console.error(usage);
    return 2;
  }
  if (command === "create" && !name) {
    console.error("Give the migration a name: npm run db:migration -- <name>  (letters, digits and _)");
    return 2;
  }
  const db = await startDevDatabase({ shareRunning: true });
  if (db.embedded) console.log("DATABASE_URL is not set: using the embedded PostgreSQL in .data/postgres");
  try {
    if (command === "apply") {
      const applied = await applyMigrations(db.url);
      console.log(applied.length ? `Applied ${applied.length} migration(s):\n${applied.map((n) => `  ${n}`).join("\n")}` : "Database is up to date: no migration to apply.");
    } else {
      const folder = await createMigration(db.url, name!);
      console.log(folder ? `Created ${path.relative(process.cwd(), folder)}/migration.sql — review it, then npm run db:migrate` : "no changes: schema.prisma matches the migrations");
    }
    return 0;
  } finally {
    await db.stop();
  }
}

// Exit explicitly: PostgreSQL clients and the wasm engine may keep handles open for a moment.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
