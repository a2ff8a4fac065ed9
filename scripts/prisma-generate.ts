/**
 * Runs `prisma generate` without network access.
 *
 * The `prisma-client` generator needs no engine binary, yet the Prisma CLI still tries to download
 * the schema engine before generating unless one is configured. Migrations never use that binary
 * here (scripts/migrate.ts drives Prisma's WebAssembly schema engine), so point the CLI at a no-op
 * unless the caller configured a real engine.
 */
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const cli = require.resolve("prisma/build/index.js");
const env = { ...process.env };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= "/bin/true";
const result = spawnSync(process.execPath, [cli, "generate", ...process.argv.slice(2)], { stdio: "inherit", env });
process.exit(result.status ?? 1);
