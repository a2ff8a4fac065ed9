import type { Db } from "@/lib/db/prisma";

/**
 * The proxy's route table contract. Every change of a session's route is announced with
 * `pg_notify('ai_hub_routes', …)` inside the same transaction as the state change, so the proxy
 * never sees a route the database does not hold; a proxy that (re)connects calls listRoutes().
 */
export const ROUTES_CHANNEL = "ai_hub_routes";

export type RouteState = "starting" | "ready" | "stopped";

export interface Route {
  username: string;
  sessionName: string;
  sessionId: string;
  ownerId: string;
  /** Empty host while the pod has no IP yet (state "starting"). */
  target: { host: string; port: number };
  /** Per-session token the proxy sends upstream (`Authorization: token …`). */
  token: string;
  state: RouteState;
  /**
   * Forward the path without the `/user/<username>/<session>` prefix. code-server serves at its
   * root with relative links and expects the reverse proxy to strip the prefix; Jupyter is told
   * its base URL and gets the full path.
   */
  stripPrefix: boolean;
}

export interface RouteMessage {
  op: "upsert" | "delete";
  route: Route;
}

export interface RouteSource {
  id: string;
  userId: string;
  name: string;
  podIp: string | null;
  port: number;
  token: string;
  state: string;
  user: { username: string };
  image: { kind: string };
}

export function routeState(state: string): RouteState {
  if (state === "ready") return "ready";
  if (state === "stopped" || state === "failed" || state === "stopping") return "stopped";
  return "starting";
}

export function toRoute(s: RouteSource): Route {
  return {
    username: s.user.username,
    sessionName: s.name,
    sessionId: s.id,
    ownerId: s.userId,
    target: { host: s.podIp ?? "", port: s.port },
    token: s.token,
    state: routeState(s.state),
    stripPrefix: s.image.kind === "vscode",
  };
}

export function routeMessage(s: RouteSource): RouteMessage {
  const route = toRoute(s);
  return { op: route.state === "stopped" ? "delete" : "upsert", route };
}

/** Sends the route of a session to the proxies; call with the transaction that changed it. */
export async function notifyRoute(db: Db, s: RouteSource): Promise<void> {
  const payload = JSON.stringify(routeMessage(s));
  await db.$executeRaw`SELECT pg_notify(${ROUTES_CHANNEL}, ${payload})`;
}

export const routeSelect = {
  id: true,
  userId: true,
  name: true,
  podIp: true,
  port: true,
  token: true,
  state: true,
  user: { select: { username: true } },
  image: { select: { kind: true } },
} as const;

/** The full route table: every session that is not stopped or failed. */
export async function listRoutes(db: Db): Promise<Route[]> {
  const rows = await db.session.findMany({
    where: { state: { in: ["requested", "queued", "starting", "ready"] } },
    select: routeSelect,
  });
  return rows.map(toRoute);
}
