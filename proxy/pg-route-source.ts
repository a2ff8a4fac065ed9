/**
 * Keeps the route table current from PostgreSQL: one dedicated connection LISTENs on a channel
 * (default `ai_hub_routes`, payload `{ "op": "upsert" | "delete", "route": … }`), and on start and
 * after every reconnect the table is rebuilt fully with one query, so a notification lost while
 * disconnected cannot leave a stale route behind. The query is injected (`loadAllRoutes`) because
 * the Session table belongs to lib/sessions.
 *
 * Order on (re)connect: LISTEN first, then load; notifications that arrive during the load are
 * held and applied after the snapshot, in order. Applying an upsert twice is harmless.
 */
import pg from "pg";
import { z } from "zod";
import type { Route, RouteChange, RouteSink, RouteSource } from "./route-table";

export const ROUTES_CHANNEL = "ai_hub_routes";

const routeSchema = z.object({
  username: z.string().min(1),
  sessionName: z.string().min(1),
  sessionId: z.string().min(1),
  ownerId: z.string().min(1),
  // A starting session has no pod IP yet (empty host); it is never connected to in that state.
  target: z.object({ host: z.string(), port: z.number().int().min(0).max(65535) }),
  token: z.string().min(1),
  state: z.enum(["starting", "ready", "stopped"]),
  stripPrefix: z.boolean().optional(),
});

const changeSchema = z.discriminatedUnion("op", [
  z.object({ op: z.literal("upsert"), route: routeSchema }),
  z.object({ op: z.literal("delete"), route: z.object({ username: z.string().min(1), sessionName: z.string().min(1) }) }),
]);

/** Parses a NOTIFY payload; null (and logged by the caller) when it is not a valid change. */
export function parseRouteChange(payload: string | undefined): RouteChange | null {
  try {
    const parsed = changeSchema.safeParse(JSON.parse(payload ?? ""));
    return parsed.success ? (parsed.data as RouteChange) : null;
  } catch {
    return null;
  }
}

export interface PgRouteSourceOptions {
  /** Connection options (see lib/db/postgres-config.ts `postgresConfig(url)`). */
  connection: pg.ClientConfig;
  loadAllRoutes: (client: pg.Client) => Promise<Route[]>;
  channel?: string;
  /** Backoff between reconnect attempts: doubles from min to max. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  logger?: { warn: (obj: object, msg: string) => void; info: (obj: object, msg: string) => void };
}

export class PgRouteSource implements RouteSource {
  private client: pg.Client | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private delay: number;
  /** Number of successful full rebuilds (1 after start; +1 per reconnect). */
  rebuilds = 0;

  constructor(private readonly o: PgRouteSourceOptions) {
    this.delay = o.reconnectMinMs ?? 250;
  }

  /** Resolves after the first full load; keeps retrying until then (the database may start later). */
  start(sink: RouteSink): Promise<void> {
    this.stopped = false;
    return new Promise((resolve) => {
      const attempt = () => {
        if (this.stopped) return resolve();
        this.connect(sink).then(resolve, (err: unknown) => {
          this.o.logger?.warn({ err: String(err) }, "route source: connection failed, retrying");
          this.retryLater(attempt);
        });
      };
      attempt();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }

  private retryLater(fn: () => void): void {
    this.timer = setTimeout(fn, this.delay);
    this.delay = Math.min(this.delay * 2, this.o.reconnectMaxMs ?? 5_000);
  }

  private async connect(sink: RouteSink): Promise<void> {
    const client = new pg.Client({ keepAlive: true, application_name: "ai-hub-proxy-routes", ...this.o.connection });
    let held: RouteChange[] | undefined = [];
    let lost = false;
    const onLost = (err?: Error) => {
      if (lost) return;
      lost = true;
      client.end().catch(() => undefined);
      if (this.client === client) this.client = undefined;
      if (this.stopped) return;
      this.o.logger?.warn({ err: err?.message }, "route source: connection lost, reconnecting");
      const again = () => {
        if (this.stopped) return;
        this.connect(sink).catch((e: unknown) => {
          this.o.logger?.warn({ err: String(e) }, "route source: reconnect failed, retrying");
          this.retryLater(again);
        });
      };
      this.retryLater(again);
    };
    client.on("error", onLost);
    client.on("end", () => onLost());
    client.on("notification", (msg) => {
      const change = parseRouteChange(msg.payload);
      if (change === null) {
        this.o.logger?.warn({ channel: msg.channel }, "route source: ignored an invalid notification");
        return;
      }
      if (held) held.push(change);
      else sink.apply(change);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(this.o.channel ?? ROUTES_CHANNEL)}`);
      const routes = await this.o.loadAllRoutes(client);
      sink.replaceAll(routes);
      const pending = held;
      held = undefined;
      for (const change of pending) sink.apply(change);
    } catch (err) {
      lost = true; // this attempt's failure is reported to the caller, not handled as a later loss
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.rebuilds++;
    this.delay = this.o.reconnectMinMs ?? 250;
    this.o.logger?.info({ rebuilds: this.rebuilds }, "route source: table rebuilt");
  }
}
