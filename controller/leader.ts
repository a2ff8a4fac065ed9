import pg from "pg";
import { postgresConfig } from "@/lib/db/postgres-config";

/**
 * One leader at a time: a session-level PostgreSQL advisory lock held on a dedicated connection.
 * When the leader dies its connection closes and PostgreSQL releases the lock, so a waiting
 * controller takes over within one poll. A leader that loses its connection stops leading at once
 * (`onLost`), because it can no longer know that nobody else holds the lock.
 */
export const LEADER_LOCK_NAME = "ai-hub:controller";

export interface LeaderLock {
  /** Resolves when this process is the leader; rejects if `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<void>;
  onLost(cb: (err: unknown) => void): void;
  release(): Promise<void>;
}

export function createLeaderLock(url: string, opts: { pollMs?: number; keepaliveMs?: number; lockName?: string } = {}): LeaderLock {
  const pollMs = opts.pollMs ?? 1000;
  const keepaliveMs = opts.keepaliveMs ?? 5000;
  const lockName = opts.lockName ?? LEADER_LOCK_NAME;
  let client: pg.Client | undefined;
  let keepalive: NodeJS.Timeout | undefined;
  let lostCb: ((err: unknown) => void) | undefined;
  let leading = false;
  let released = false;

  const lost = (err: unknown) => {
    if (!leading || released) return;
    leading = false;
    if (keepalive) clearInterval(keepalive);
    lostCb?.(err);
  };

  async function connect(): Promise<pg.Client> {
    const c = new pg.Client(postgresConfig(url, { application_name: "ai-hub-controller-leader" }));
    c.on("error", (err) => lost(err));
    c.on("end", () => lost(new Error("leader connection closed")));
    await c.connect();
    return c;
  }

  return {
    async acquire(signal) {
      for (;;) {
        if (signal?.aborted) throw signal.reason ?? new Error("aborted");
        try {
          client ??= await connect();
          const res = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock(hashtext($1)) AS ok", [lockName]);
          if (res.rows[0]?.ok) {
            leading = true;
            keepalive = setInterval(() => {
              client?.query("SELECT 1").catch((err: unknown) => lost(err));
            }, keepaliveMs);
            keepalive.unref();
            return;
          }
        } catch {
          // Database unreachable: drop the connection and try again at the next poll.
          await client?.end().catch(() => undefined);
          client = undefined;
        }
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, pollMs);
          signal?.addEventListener("abort", () => {
            clearTimeout(t);
            resolve();
          }, { once: true });
        });
      }
    },
    onLost(cb) {
      lostCb = cb;
    },
    async release() {
      released = true;
      if (keepalive) clearInterval(keepalive);
      const c = client;
      client = undefined;
      if (!c) return;
      if (leading) await c.query("SELECT pg_advisory_unlock(hashtext($1))", [lockName]).catch(() => undefined);
      leading = false;
      await c.end().catch(() => undefined);
    },
  };
}
