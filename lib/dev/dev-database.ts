/**
 * The database of `npm run dev` and `npm run db:migrate`: the server in DATABASE_URL when set
 * (nothing is started), otherwise the embedded PostgreSQL kept under `.data/postgres`.
 */
import path from "node:path";
import { env } from "@/lib/env";
import { startEmbeddedPostgres } from "./postgres";

export const devPostgresDir = (): string => path.resolve(process.cwd(), ".data", "postgres");

export interface DevDatabase {
  url: string;
  /** True when we started PostgreSQL (and `stop` stops it); false for DATABASE_URL. */
  embedded: boolean;
  stop(): Promise<void>;
}

/**
 * `shareRunning`: when `npm run dev` already runs the embedded cluster, use it rather than fail
 * (for `npm run db:migrate` / `db:migration` in a second terminal).
 */
export async function startDevDatabase(options: { onLog?: (line: string) => void; shareRunning?: boolean } = {}): Promise<DevDatabase> {
  const configured = env().DATABASE_URL;
  if (configured) return { url: configured, embedded: false, stop: async () => undefined };
  const pg = await startEmbeddedPostgres({ dataDir: devPostgresDir(), persistent: true, onLog: options.onLog, shareRunning: options.shareRunning });
  return { url: pg.url, embedded: true, stop: pg.stop };
}
