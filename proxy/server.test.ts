import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { encode } from "next-auth/jwt";
import { cookieFor, rawRequest, route, startBackend, startProxy, type Backend, type RunningProxy } from "./test-support";

let alicePod: Backend, bobPod: Backend, aliPod: Backend, web: Backend;
let proxy: RunningProxy;
let alice: string, bob: string, bobAdmin: string, ali: string;

beforeAll(async () => {
  [alicePod, bobPod, aliPod, web] = await Promise.all([startBackend("alice-pod"), startBackend("bob-pod"), startBackend("ali-pod"), startBackend("web")]);
  proxy = await startProxy(
    [
      route("alice", "s1", alicePod.port),
      route("bob", "s1", bobPod.port),
      route("ali", "s1", aliPod.port),
      route("alice", "warming", alicePod.port, { state: "starting" }),
      route("alice", "old", alicePod.port, { state: "stopped" }),
    ],
    web,
    {
      auth: {
        verifyApiToken: async (t) =>
          t === "good-token" ? { userId: "alice-id", username: "alice", roles: [], scopes: ["sessions"] } : t === "unscoped" ? { userId: "alice-id", username: "alice", roles: [], scopes: ["jobs"] } : null,
      },
    },
  );
  [alice, bob, bobAdmin, ali] = await Promise.all([
    cookieFor({ id: "alice-id", username: "alice" }),
    cookieFor({ id: "bob-id", username: "bob" }),
    cookieFor({ id: "bob-id", username: "bob", roles: ["researcher", "admin"] }),
    cookieFor({ id: "ali-id", username: "ali" }),
  ]);
});

afterAll(async () => {
  await proxy?.close();
  await Promise.all([alicePod, bobPod, aliPod, web].map((b) => b?.close()));
});

const json = (body: string) => JSON.parse(body) as { backend: string; url: string; headers: Record<string, string> };

function wsOpen(url: string, headers: Record<string, string>): Promise<{ ws: WebSocket } | { status: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once("open", () => resolve({ ws }));
    ws.once("unexpected-response", (_req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      res.resume();
    });
    ws.once("error", reject);
  });
}

describe("routing", () => {
  it("sends each owner to their own pod and everything else to the web server", async () => {
    const a = await rawRequest(proxy.port, "/user/alice/s1/api/contents", { cookie: alice });
    const b = await rawRequest(proxy.port, "/user/bob/s1/api/contents?x=1", { cookie: bob });
    const w = await rawRequest(proxy.port, "/api/v1/sessions", { cookie: alice });
    expect([a.status, b.status, w.status]).toEqual([200, 200, 200]);
    expect(json(a.body).backend).toBe("alice-pod");
    expect(json(b.body)).toMatchObject({ backend: "bob-pod", url: "/user/bob/s1/api/contents?x=1" });
    expect(json(w.body).backend).toBe("web");
    // The web server gets the portal cookie untouched: it needs it.
    expect(json(w.body).headers.cookie).toBe(alice);
  });

  it("redirects incomplete session URLs", async () => {
    expect((await rawRequest(proxy.port, "/user/alice/s1?a=b", { cookie: alice })).headers.location).toBe("/user/alice/s1/?a=b");
    expect((await rawRequest(proxy.port, "/user/alice", { cookie: alice })).headers.location).toBe("/sessions");
    expect((await rawRequest(proxy.port, "/user/alice/", { cookie: alice })).headers.location).toBe("/sessions");
  });

  it("follows route changes", async () => {
    proxy.source.upsert(route("alice", "moving", alicePod.port));
    expect(json((await rawRequest(proxy.port, "/user/alice/moving/", { cookie: alice })).body).backend).toBe("alice-pod");
    proxy.source.upsert(route("alice", "moving", bobPod.port, { ownerId: "alice-id" }));
    expect(json((await rawRequest(proxy.port, "/user/alice/moving/", { cookie: alice })).body).backend).toBe("bob-pod");
    proxy.source.delete("alice", "moving");
    expect((await rawRequest(proxy.port, "/user/alice/moving/", { cookie: alice })).status).toBe(404);
  });
});

describe("code-server routes (stripPrefix)", () => {
  it("send the pod only the path under the session prefix, for plain requests, uploads and WebSockets", async () => {
    proxy.source.upsert(route("alice", "code", alicePod.port, { stripPrefix: true }));
    try {
      const root = await rawRequest(proxy.port, "/user/alice/code/", { cookie: alice });
      expect(json(root.body)).toMatchObject({ backend: "alice-pod", url: "/" });
      const sub = await rawRequest(proxy.port, "/user/alice/code/static/out/a.js?v=1", { cookie: alice });
      expect(json(sub.body).url).toBe("/static/out/a.js?v=1");
      // The pod token still goes along; the prefix check happened on the full path.
      expect(json(sub.body).headers.authorization).toBe("token pod-token-alice-code");
      const post = await fetch(`http://127.0.0.1:${proxy.port}/user/alice/code/upload`, { method: "POST", headers: { cookie: alice }, body: "12345" });
      expect(await post.json()).toEqual({ bytes: 5 });
      expect(alicePod.seen.at(-1)!.url).toBe("/upload");
      const upgraded = new Promise<string>((resolve) => alicePod.server.once("upgrade", (req: { url?: string }) => resolve(req.url ?? "")));
      const ws = await wsOpen(`ws://127.0.0.1:${proxy.port}/user/alice/code/stable-1/ws?reconnection=false`, { cookie: alice });
      expect("ws" in ws).toBe(true);
      if ("ws" in ws) ws.ws.close();
      expect(await upgraded).toBe("/stable-1/ws?reconnection=false");
      // Another user still never gets through.
      expect((await rawRequest(proxy.port, "/user/alice/code/", { cookie: bob })).status).toBe(403);
    } finally {
      proxy.source.delete("alice", "code");
    }
  });
});

describe("cross-tenant", () => {
  it("gives another user, even an admin, 403 on the session, any sub-path and its WebSocket", async () => {
    const before = alicePod.seen.length;
    for (const cookie of [bob, bobAdmin]) {
      for (const path of ["/user/alice/s1/", "/user/alice/s1/tree", "/user/alice/s1/api/kernels/x/channels", "/user/alice/nonexistent/"]) {
        const r = await rawRequest(proxy.port, path, { cookie, accept: "text/html" });
        expect(r.status, path).toBe(403);
        expect(r.body).toContain("Not your session");
      }
      const ws = await wsOpen(`ws://127.0.0.1:${proxy.port}/user/alice/s1/api/kernels/k/channels`, { cookie });
      expect(ws).toEqual({ status: 403 });
    }
    expect(alicePod.seen.length).toBe(before);
  });

  it("never lets a forged, expired, foreign or missing cookie reach a pod", async () => {
    const before = alicePod.seen.length;
    const expired = "next-auth.session-token=" + (await encode({ secret: "test-secret-for-the-proxy-tests-0123456789abcdef", maxAge: -60, token: { uid: "alice-id", username: "alice", groups: [], roles: [] } }));
    const foreign = "next-auth.session-token=" + (await encode({ secret: "another-secret-another-secret-another-secret", token: { uid: "alice-id", username: "alice", groups: [], roles: [] } }));
    const forged = "next-auth.session-token=eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..AAAA.BBBB.CCCC";
    for (const cookie of [expired, foreign, forged, "", "other=1"]) {
      const headers: Record<string, string> = cookie ? { cookie } : {};
      const browser = await rawRequest(proxy.port, "/user/alice/s1/tree?x=1", { ...headers, accept: "text/html,*/*" });
      expect(browser.status).toBe(302);
      expect(browser.headers.location).toBe("/signin?callbackUrl=%2Fuser%2Falice%2Fs1%2Ftree%3Fx%3D1");
      const api = await rawRequest(proxy.port, "/user/alice/s1/api/contents", headers);
      expect(api.status).toBe(401);
      expect(JSON.parse(api.body).error.code).toBe("UNAUTHENTICATED");
      expect(await wsOpen(`ws://127.0.0.1:${proxy.port}/user/alice/s1/api/kernels/k/channels`, headers)).toEqual({ status: 401 });
    }
    expect(alicePod.seen.length).toBe(before);
  });

  it("refuses path tricks before routing, and never routes to another user's pod", async () => {
    const seenBefore = [alicePod, bobPod, aliPod].map((b) => b.seen.length);
    const cases: [string, string, number][] = [
      [alice, "/user/alice/s1/../../bob/s1/", 400],
      [alice, "/user/alice/s1/%2e%2e/%2e%2e/bob/s1/", 400],
      [alice, "/user/alice/s1/%2E%2E%2F%2E%2E%2Fbob/s1/", 400],
      [alice, "/user/alice%2Fs1/", 400],
      [alice, "/user/bob/s1/..%2F..%2Falice/s1/", 400],
      [alice, "/user/alice/s1/.%2e/", 400],
      [alice, "/user/alice/s1/%zz", 400],
      [alice, "/user/alice/s1\\..\\..\\bob/s1/", 400],
      [alice, "/user/ali/s1/", 403],
      [ali, "/user/alice/s1/", 403],
      [alice, "/user/alice./s1/", 403],
      [alice, "/user/alic/s1/", 403],
      [alice, "/user//alice/s1/", 302],
    ];
    for (const [cookie, path, status] of cases) {
      expect((await rawRequest(proxy.port, path, { cookie })).status, path).toBe(status);
    }
    expect([alicePod, bobPod, aliPod].map((b) => b.seen.length)).toEqual(seenBefore);
    // And the prefix user gets their own pod, not alice's.
    expect(json((await rawRequest(proxy.port, "/user/ali/s1/", { cookie: ali })).body).backend).toBe("ali-pod");
  });
});

describe("API tokens", () => {
  it("lets a Bearer token with session scope through, and strips it before the pod", async () => {
    const r = await rawRequest(proxy.port, "/user/alice/s1/api/status", { authorization: "Bearer good-token" });
    expect(r.status).toBe(200);
    expect(json(r.body).headers.authorization).toBe("token pod-token-alice-s1");
    for (const t of ["unscoped", "unknown"]) {
      expect((await rawRequest(proxy.port, "/user/alice/s1/api/status", { authorization: `Bearer ${t}` })).status).toBe(401);
    }
  });
});

describe("headers", () => {
  it("adds the pod token, strips portal cookies and hop-by-hop headers, sets X-Forwarded-*", async () => {
    const r = await rawRequest(proxy.port, "/user/alice/s1/api/echo", {
      cookie: `_xsrf=abc; ${alice}; next-auth.csrf-token=zzz; theme=dark`,
      authorization: "token guessed",
      "x-forwarded-for": "203.0.113.9",
      "x-forwarded-proto": "https",
      connection: "keep-alive, x-secret-hop",
      "x-secret-hop": "1",
      "keep-alive": "timeout=5",
      te: "trailers",
      "proxy-connection": "keep-alive",
      host: "hub.example.org",
    });
    const h = json(r.body).headers;
    expect(h.authorization).toBe("token pod-token-alice-s1");
    expect(h.cookie).toBe("_xsrf=abc; theme=dark");
    expect(h.host).toBe("hub.example.org");
    expect(h["x-forwarded-for"]).toBe("203.0.113.9, 127.0.0.1");
    expect(h["x-forwarded-proto"]).toBe("http");
    expect(h["x-forwarded-host"]).toBe("hub.example.org");
    for (const gone of ["x-secret-hop", "keep-alive", "te", "proxy-connection"]) expect(h[gone], gone).toBeUndefined();
    // The backend's own Keep-Alive header (timeout=5) does not reach the client; the proxy states its own.
    expect(r.headers["keep-alive"]).toBe("timeout=65");
    expect(r.headers["x-backend"]).toBe("alice-pod");
  });
});

describe("failure pages", () => {
  it("says a starting session is starting and refreshes without script", async () => {
    const r = await rawRequest(proxy.port, "/user/alice/warming/", { cookie: alice, accept: "text/html" });
    expect(r.status).toBe(503);
    expect(r.body).toContain('<meta http-equiv="refresh" content="2">');
    expect(r.body).not.toContain("<script");
  });

  it("answers 404 with a link to start a session for stopped and unknown sessions", async () => {
    for (const path of ["/user/alice/old/", "/user/alice/never/"]) {
      const r = await rawRequest(proxy.port, path, { cookie: alice, accept: "text/html" });
      expect(r.status).toBe(404);
      expect(r.body).toContain('href="/sessions/new"');
    }
  });

  it("answers 502 in plain words without internals when the pod is unreachable", async () => {
    const closed = await startBackend("gone");
    const port = closed.port;
    await closed.close();
    proxy.source.upsert(route("alice", "dead", port));
    const r = await rawRequest(proxy.port, "/user/alice/dead/", { cookie: alice, accept: "text/html" });
    expect(r.status).toBe(502);
    expect(r.body).toContain("the connection was refused");
    expect(r.body).not.toContain("127.0.0.1");
    expect(r.body).not.toContain(String(port));
    expect(r.body).not.toMatch(/ECONN|at .*\.ts/);
  });

  it("answers the health check", async () => {
    const r = await rawRequest(proxy.port, "/_proxy/health");
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).status).toBe("ok");
  });
});
