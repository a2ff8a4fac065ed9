import { defineConfig } from "prisma/config";
import { env } from "./lib/env";

/**
 * Read by the Prisma CLI. `prisma generate` needs no database. Where Prisma's binary schema engine
 * is available, `prisma migrate deploy` applies prisma/migrations to DATABASE_URL — the same
 * folders and the same `_prisma_migrations` records as `npm run db:migrate` (WebAssembly engine).
 */
const url = env().DATABASE_URL;

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  ...(url ? { datasource: { url } } : {}),
});
