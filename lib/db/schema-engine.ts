/**
 * Prisma's schema engine compiled to WebAssembly (`@prisma/schema-engine-wasm`), talking to
 * PostgreSQL through `@prisma/adapter-pg`. It is the engine behind `prisma migrate`, so migrations
 * applied here are recorded in `_prisma_migrations` exactly as `prisma migrate deploy` records
 * them — but it needs no binary download, so it works offline.
 *
 * Command-line and test code only: never imported by Next.js pages or route handlers.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import type { SchemaEngine } from "@prisma/schema-engine-wasm";
import { MigrationAdapterFactory } from "./migration-adapter";
import { postgresConfig } from "./postgres-config";

/** The wasm-bindgen glue module; the package's own entry imports the .wasm file as an ES module, which tsx and Vitest cannot load. */
interface SchemaEngineGlue {
  SchemaEngine: typeof SchemaEngine;
  __wbg_set_wasm(exports: WebAssembly.Exports): void;
}

let glue: Promise<SchemaEngineGlue> | undefined;

/** The engine reports a Rust panic through this global before it throws `unreachable`. */
const panics: { message?: string } = {};

function loadGlue(): Promise<SchemaEngineGlue> {
  glue ??= (async () => {
    (globalThis as { PRISMA_WASM_PANIC_REGISTRY?: unknown }).PRISMA_WASM_PANIC_REGISTRY = {
      set_message: (message: string) => {
        panics.message = message;
      },
    };
    const require = createRequire(import.meta.url);
    const gluePath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
    const mod = (await import("@prisma/schema-engine-wasm/schema_engine_bg")) as unknown as SchemaEngineGlue;
    const bytes = await readFile(path.join(path.dirname(gluePath), "schema_engine_bg.wasm"));
    const { instance } = await WebAssembly.instantiate(bytes, { "./schema_engine_bg.js": mod as unknown as WebAssembly.ModuleImports });
    mod.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return mod;
  })();
  return glue;
}

export interface SchemaFile {
  path: string;
  content: string;
}

/**
 * Runs `fn` with a schema engine connected to `url`. The shadow database the engine needs to
 * replay migrations is created (and dropped) on the same server, so the role in `url` needs
 * CREATEDB for `diffSchema` and `createMigration`; `applyMigrations` does not.
 */
export async function withSchemaEngine<T>(
  url: string,
  schema: SchemaFile | undefined,
  fn: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  const { SchemaEngine: Engine } = await loadGlue();
  const logs: string[] = [];
  const factory = new MigrationAdapterFactory(postgresConfig(url, { max: 2 }));
  const adapter = bindMigrationAwareSqlAdapterFactory(factory);
  const engine = await Engine.new(
    { datamodels: schema ? [[schema.path, schema.content]] : undefined },
    (line: string) => {
      logs.push(line);
      if (logs.length > 100) logs.shift();
    },
    adapter,
  );
  try {
    return await fn(engine);
  } catch (e) {
    if (panics.message) {
      // After a panic the wasm instance is unusable: load a fresh one next time.
      const message = panics.message;
      panics.message = undefined;
      glue = undefined;
      throw new Error(`Schema engine panicked: ${message}`, { cause: e });
    }
    throw new Error(`Schema engine: ${describeEngineError(e)}`, { cause: e });
  } finally {
    engine.free();
    await factory.close();
  }
}

/** Engine errors arrive as plain objects ({ message, error_code, meta }) or Errors. */
function describeEngineError(e: unknown): string {
  const message =
    e instanceof Error ? e.message : e && typeof e === "object" && "message" in e ? String((e as { message: unknown }).message) : JSON.stringify(e);
  // The Rust span trace ("   0: schema_engine_wasm::…") after the message names the migration.
  const [head = message, trace = ""] = message.split(/\n\s+0: /, 2);
  const text = head.replace(/^external connector error\n/, "").trim();
  const migration = /migration_name="([^"]+)"/.exec(trace)?.[1];
  return migration && !text.includes(migration) ? `migration ${migration} failed: ${text}` : text;
}
