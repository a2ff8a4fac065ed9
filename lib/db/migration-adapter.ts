/**
 * `@prisma/adapter-pg` as the WebAssembly schema engine needs it. Prisma's CLI does not use this
 * path yet (it runs the binary engine), and 7.10 has three rough edges we work around here:
 *
 * 1. The engine's schema describer reads pg_catalog columns of PostgreSQL's one-byte `"char"`
 *    type (contype, confdeltype …) and expects them as characters; adapter-pg has no column type
 *    for `"char"` and fails ("Column type 'char' could not be deserialized"). We tag those
 *    columns in the pg result and report them as `Character` to the engine.
 * 2. The shadow database's pool has no error handler, so a connection closed by the server
 *    crashed the process; and the shadow database is dropped only after its pool is closed.
 * 3. Freeing the engine does not close its connections; `close()` does.
 * 4. adapter-pg runs a migration script by splitting it at every `;`, which cuts a function body
 *    (`$$ … ; … $$`) or a string literal with a semicolon into pieces that fail. We send the
 *    script whole, as one simple-protocol query, as Prisma's binary engine does: PostgreSQL then
 *    runs it as one implicit transaction (all of it or none).
 */
import { randomUUID } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import {
  ColumnTypeEnum,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQueryable,
} from "@prisma/driver-adapter-utils";
import pg, { type PoolConfig } from "pg";

const CHAR_OID = 18;
const CHAR_ARRAY_OID = 1002;
const TEXT_OID = 25;
const TEXT_ARRAY_OID = 1009;
/** Appended to the name of a `"char"` column; positions, not names, carry the values. */
const CHAR_MARK = "\u0000char";
const CHAR_ARRAY_MARK = "\u0000char[]";

function tagCharColumns<T>(result: T): T {
  for (const r of Array.isArray(result) ? result : [result]) {
    for (const f of (r as pg.QueryResult | undefined)?.fields ?? []) {
      if (f.dataTypeID === CHAR_OID) {
        f.dataTypeID = TEXT_OID;
        f.name += CHAR_MARK;
      } else if (f.dataTypeID === CHAR_ARRAY_OID) {
        f.dataTypeID = TEXT_ARRAY_OID;
        f.name += CHAR_ARRAY_MARK;
      }
    }
  }
  return result;
}

class CharTaggingClient extends pg.Client {
  // pg's query() has many overloads (promise, callback, submittable); we only post-process results.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    const last: unknown = args[args.length - 1];
    if (typeof last === "function") {
      args[args.length - 1] = (err: Error | null, res: unknown) => last(err, err ? res : tagCharColumns(res));
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const ret = (pg.Client.prototype.query as (...a: any[]) => any).apply(this, args);
    return ret && typeof ret.then === "function" ? ret.then(tagCharColumns) : ret;
  }
}

/** Turns tagged columns back into their names with the `Character` column types. */
function untagQueryable<Q extends SqlQueryable>(q: Q): Q {
  const queryRaw = q.queryRaw.bind(q);
  q.queryRaw = async (params) => {
    const set = await queryRaw(params);
    set.columnNames = set.columnNames.map((name, i) => {
      if (name.endsWith(CHAR_MARK)) {
        set.columnTypes[i] = ColumnTypeEnum.Character;
        return name.slice(0, -CHAR_MARK.length);
      }
      if (name.endsWith(CHAR_ARRAY_MARK)) {
        set.columnTypes[i] = ColumnTypeEnum.CharacterArray;
        return name.slice(0, -CHAR_ARRAY_MARK.length);
      }
      return name;
    });
    return set;
  };
  return q;
}

export class MigrationAdapterFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = "postgres" as const;
  readonly adapterName = "@prisma/adapter-pg";
  private readonly opened: SqlDriverAdapter[] = [];

  constructor(private readonly config: PoolConfig) {}

  private async open(config: PoolConfig): Promise<SqlDriverAdapter> {
    const pool = new pg.Pool({ ...config, Client: CharTaggingClient as unknown as new () => pg.ClientBase });
    const adapter = untagQueryable(await new PrismaPg(pool, { disposeExternalPool: true, onPoolError: () => undefined }).connect());
    // adapter-pg's own error mapping (DriverAdapterError), which the engine reports with the message.
    const onError = (adapter as unknown as { onError(e: unknown): never }).onError.bind(adapter);
    adapter.executeScript = async (script) => {
      await pool.query(script).catch(onError);
    };
    const startTransaction = adapter.startTransaction.bind(adapter);
    adapter.startTransaction = async (isolationLevel) => untagQueryable(await startTransaction(isolationLevel));
    this.opened.push(adapter);
    return adapter;
  }

  connect(): Promise<SqlDriverAdapter> {
    return this.open(this.config);
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const database = `prisma_migrate_shadow_db_${randomUUID().replaceAll("-", "")}`;
    await this.admin(`CREATE DATABASE "${database}"`);
    const adapter = await this.open({ ...this.config, database });
    const dispose = adapter.dispose.bind(adapter);
    let disposed: Promise<void> | undefined;
    adapter.dispose = () => {
      disposed ??= dispose().then(() => this.admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
      return disposed;
    };
    return adapter;
  }

  private async admin(sql: string): Promise<void> {
    const client = new pg.Client(this.config);
    client.on("error", () => undefined);
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  /** Closes every connection the engine opened (and drops shadow databases still around). */
  async close(): Promise<void> {
    await Promise.allSettled(this.opened.splice(0).map((a) => a.dispose()));
  }
}
