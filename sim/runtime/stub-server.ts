import { createServer, type IncomingMessage, type Server } from "node:http";
import { WebSocketServer } from "ws";

/**
 * The built-in session stub: what runs in a container whose image the topology does not map to a
 * local program. An HTTP server on the pod IP that honours the base URL, answers a page and a
 * status document naming the pod, and echoes WebSocket messages, so the proxy and the portal can be
 * exercised end to end. With a session token in the env it requires it (as Jupyter does).
 *
 * A container whose command is `code-server` gets the stub in code-server's shape instead: it
 * serves at the root whatever the base URL (code-server expects the reverse proxy to strip the
 * prefix), answers `/healthz`, and checks no token (it runs with `--auth=none`).
 */
export interface StubOptions {
  host: string;
  port: number;
  env: Record<string, string>;
  pod: { namespace: string; name: string; node: string };
  /** Behave as code-server: serve at `/`, answer `/healthz`, no token. */
  codeServer?: boolean;
  log(line: string): void;
}

export interface RunningStub { server: Server; close(): Promise<void> }

function baseUrl(env: Record<string, string>): string {
  let b = env.JUPYTERHUB_SERVICE_PREFIX || env.AI_HUB_BASE_URL || "/";
  if (!b.startsWith("/")) b = "/" + b;
  return b.endsWith("/") ? b : b + "/";
}

function tokenOk(req: IncomingMessage, url: URL, token: string | undefined): boolean {
  if (!token) return true;
  const auth = req.headers.authorization ?? "";
  const m = /^(?:token|bearer)\s+(.+)$/i.exec(auth);
  return (m?.[1] ?? url.searchParams.get("token")) === token;
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

export function startStub(opts: StubOptions): Promise<RunningStub> {
  const base = opts.codeServer ? "/" : baseUrl(opts.env);
  const token = opts.codeServer ? undefined : opts.env.AI_HUB_SESSION_TOKEN || opts.env.JUPYTERHUB_API_TOKEN || undefined;
  const started = new Date().toISOString();
  let lastActivity = started;
  // Created on the first upgrade: most stubs never see a WebSocket, and 1,000 pods each hold one stub.
  let wss: WebSocketServer | undefined;
  const wsPath = (p: string) => p === `${base}ws` || new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}api/kernels/[^/]+/channels$`).test(p);

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://stub");
    const path = url.pathname;
    const json = (code: number, body: unknown) => {
      res.writeHead(code, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    // <base>api is the unauthenticated health endpoint probes use (like Jupyter's); code-server's is /healthz.
    if (path === `${base}api` || path === `${base}api/`) return json(200, { version: "sim-stub-1", pod: opts.pod.name });
    if (opts.codeServer && path === "/healthz") return json(200, { status: "alive", lastHeartbeat: Date.now() });
    if (!path.startsWith(base) && path + "/" !== base) return json(404, { message: `not under the base URL ${base}` });
    if (!tokenOk(req, url, token)) return json(403, { message: "Forbidden: missing or wrong token" });
    lastActivity = new Date().toISOString();
    if (path === `${base}api/status`) {
      return json(200, { started, last_activity: lastActivity, connections: wss?.clients.size ?? 0, kernels: 0, pod: opts.pod.name, namespace: opts.pod.namespace, node: opts.pod.node });
    }
    if (path === base || path + "/" === base) {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      return res.end(`<!doctype html><html><head><title>${escapeHtml(opts.pod.name)}</title></head><body><h1>Session stub</h1><p>Pod <b>${escapeHtml(opts.pod.namespace)}/${escapeHtml(opts.pod.name)}</b> on node ${escapeHtml(opts.pod.node)}, serving ${escapeHtml(base)}</p></body></html>`);
    }
    json(404, { message: "not found" });
  });

  server.on("upgrade", (req, socket, head) => {
    const url = new URL(req.url ?? "/", "http://stub");
    if (!wsPath(url.pathname) || !tokenOk(req, url, token)) {
      socket.end(`HTTP/1.1 ${wsPath(url.pathname) ? "403 Forbidden" : "404 Not Found"}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss ??= new WebSocketServer({ noServer: true });
    wss.handleUpgrade(req, socket, head, (ws) => {
      opts.log(`WebSocket connected on ${url.pathname}`);
      ws.on("message", (data, isBinary) => {
        lastActivity = new Date().toISOString();
        ws.send(data, { binary: isBinary });
      });
    });
  });

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      opts.log(`session stub listening on http://${opts.host}:${opts.port}${base}`);
      resolve({
        server,
        close: () =>
          new Promise<void>((done) => {
            for (const c of wss?.clients ?? []) c.terminate();
            wss?.close();
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
