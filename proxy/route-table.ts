/**
 * The proxy's in-memory view of where each session lives. It is written only by a RouteSource
 * (PostgreSQL LISTEN/NOTIFY in production, a static list in tests and the benchmark) and read on
 * every request, so a lookup is two Map gets and never touches the database.
 */

export type RouteState = "starting" | "ready" | "stopped";

export interface Route {
  username: string;
  sessionName: string;
  sessionId: string;
  /** User id of the owner; only this user may pass (admins included in "others"). */
  ownerId: string;
  target: { host: string; port: number };
  /** Per-session token the pod expects as `Authorization: token <t>`. */
  token: string;
  state: RouteState;
  /**
   * Send the pod only the path under `/user/<username>/<session>` (code-server serves at its root
   * and expects the proxy to strip the prefix); otherwise the full path (Jupyter knows its base URL).
   */
  stripPrefix?: boolean;
}

export type RouteChange = { op: "upsert"; route: Route } | { op: "delete"; route: Pick<Route, "username" | "sessionName"> };

export interface RouteSink {
  /** Replaces the whole table (start, reconnect). */
  replaceAll(routes: readonly Route[]): void;
  apply(change: RouteChange): void;
}

/** Something that keeps a RouteTable current. `start` resolves once the table holds a full snapshot. */
export interface RouteSource {
  start(sink: RouteSink): Promise<void>;
  stop(): Promise<void>;
}

export class RouteTable implements RouteSink {
  /** username → sessionName → route. Nested maps so that a lookup needs no key concatenation. */
  private byUser = new Map<string, Map<string, Route>>();
  private listeners = new Set<(change: RouteChange | { op: "replace" }) => void>();

  get(username: string, sessionName: string): Route | undefined {
    return this.byUser.get(username)?.get(sessionName);
  }

  get size(): number {
    let n = 0;
    for (const m of this.byUser.values()) n += m.size;
    return n;
  }

  all(): Route[] {
    return [...this.byUser.values()].flatMap((m) => [...m.values()]);
  }

  replaceAll(routes: readonly Route[]): void {
    const next = new Map<string, Map<string, Route>>();
    for (const r of routes) {
      let m = next.get(r.username);
      if (!m) next.set(r.username, (m = new Map()));
      m.set(r.sessionName, r);
    }
    this.byUser = next;
    for (const l of this.listeners) l({ op: "replace" });
  }

  apply(change: RouteChange): void {
    const { username, sessionName } = change.route;
    if (change.op === "upsert") {
      let m = this.byUser.get(username);
      if (!m) this.byUser.set(username, (m = new Map()));
      m.set(sessionName, change.route);
    } else {
      const m = this.byUser.get(username);
      m?.delete(sessionName);
      if (m?.size === 0) this.byUser.delete(username);
    }
    for (const l of this.listeners) l(change);
  }

  /** For tests and metrics: called after every change. Returns an unsubscribe function. */
  onChange(listener: (change: RouteChange | { op: "replace" }) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** A fixed list of routes, changeable by hand: tests, the benchmark, a proxy without a database. */
export class StaticRouteSource implements RouteSource {
  private sink: RouteSink | undefined;
  constructor(private routes: Route[] = []) {}

  async start(sink: RouteSink): Promise<void> {
    this.sink = sink;
    sink.replaceAll(this.routes);
  }

  async stop(): Promise<void> {
    this.sink = undefined;
  }

  upsert(route: Route): void {
    this.routes = [...this.routes.filter((r) => !(r.username === route.username && r.sessionName === route.sessionName)), route];
    this.sink?.apply({ op: "upsert", route });
  }

  delete(username: string, sessionName: string): void {
    this.routes = this.routes.filter((r) => !(r.username === username && r.sessionName === sessionName));
    this.sink?.apply({ op: "delete", route: { username, sessionName } });
  }
}
