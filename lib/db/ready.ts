/**
 * Readiness of the database for GET /api/ready: reachable, and every migration folder applied.
 * Reasons are short and free of connection details (the endpoint is public); details go to the log.
 */
import { env } from "@/lib/env";
import { log } from "@/lib/log";
import { pendingMigrations } from "./migration-status";

export interface DatabaseReadiness {
  ok: boolean;
  reason?: string;
  pendingMigrations?: string[];
}

export async function databaseReady(url: string | undefined = env().DATABASE_URL): Promise<DatabaseReadiness> {
  if (!url) return { ok: false, reason: "DATABASE_URL is not set" };
  let pending: string[];
  try {
    pending = await pendingMigrations(url);
  } catch (err) {
    log.warn({ err }, "readiness: database unreachable");
    return { ok: false, reason: "database unreachable" };
  }
  if (pending.length) return { ok: false, reason: "migrations not applied (npm run db:migrate)", pendingMigrations: pending };
  return { ok: true };
}
