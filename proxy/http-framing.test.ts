import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cookieFor, listen, route, startBackend, startProxy, type Backend, type RunningProxy } from "./test-support";

// Message framing through the proxy's pooled upstream client: bodies that must not exist (HEAD,
// 204, 304), request bodies of both framings, interim answers, Connection: close, repeated headers.
let pod: http.Server, web: Backend;
let proxy: RunningProxy;
let alice: string;
// One client connection reused for every request: a framing mistake would corrupt the next answer.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

beforeAll(async () => {
  pod = http.createServer((req, res) => {
    const path = (req.url ?? "").replace(/^\/user\/alice\/s1/, "");
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      switch (path) {
        case "/head":
          res.writeHead(200, { "content-type": "text/plain", "content-length": "5" });
          return res.end(req.method === "HEAD" ? undefined : "hello");
        case "/no-content":
          res.writeHead(204);
          return res.end();
        case "/not-modified":
          res.writeHead(304, { etag: '"v1"' });
          return res.end();
        case "/close":
          res.writeHead(200, { connection: "close", "content-length": "3" });
          return res.end("bye");
        case "/cookies":
          res.setHeader("set-cookie", ["a=1; Path=/", "b=2; Path=/"]);
          return res.end("ok");
        case "/early-hints":
          res.writeEarlyHints({ link: "</style.css>; rel=preload; as=style" });
          return res.end("after hints");
        case "/chunked":
          res.write("part one, ");
          return setTimeout(() => res.end("part two"), 20);
        default:
          res.setHeader("content-type", "application/json");
          return res.end(JSON.stringify({ body, length: req.headers["content-length"] ?? null, te: req.headers["transfer-encoding"] ?? null }));
      }
    });
  });
  const podPort = await listen(pod);
  web = await startBackend("web");
  proxy = await startProxy([route("alice", "s1", podPort)], web);
  alice = await cookieFor({ id: "alice-id", username: "alice" });
});

afterAll(async () => {
  agent.destroy();
  await proxy?.close();
  await Promise.all([new Promise((r) => pod?.close(r)), web?.close()]);
});

function request(path: string, method = "GET", body?: { data: string; chunked: boolean }): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { cookie: alice };
    if (body && !body.chunked) headers["content-length"] = String(Buffer.byteLength(body.data));
    const req = http.request({ host: "127.0.0.1", port: proxy.port, path: `/user/alice/s1${path}`, method, headers, agent }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      res.on("error", reject);
    });
    req.on("error", reject);
    if (body?.chunked) {
      // Two writes without a length: Node sends Transfer-Encoding: chunked.
      req.write(body.data.slice(0, 3));
      req.end(body.data.slice(3));
    } else req.end(body?.data);
  });
}

describe("framing through the upstream pool", () => {
  it("relays HEAD, 204 and 304 without a body and keeps both connections usable", async () => {
    const head = await request("/head", "HEAD");
    expect(head).toMatchObject({ status: 200, body: "" });
    expect(head.headers["content-length"]).toBe("5");
    expect(await request("/no-content")).toMatchObject({ status: 204, body: "" });
    const notModified = await request("/not-modified");
    expect(notModified).toMatchObject({ status: 304, body: "" });
    expect(notModified.headers.etag).toBe('"v1"');
    expect(await request("/head")).toMatchObject({ status: 200, body: "hello" });
  });

  it("forwards request bodies with a length and chunked ones, re-framed", async () => {
    const sized = JSON.parse((await request("/echo", "POST", { data: "sized body", chunked: false })).body) as Record<string, unknown>;
    expect(sized).toEqual({ body: "sized body", length: "10", te: null });
    const chunked = JSON.parse((await request("/echo", "PUT", { data: "chunked body", chunked: true })).body) as Record<string, unknown>;
    expect(chunked.body).toBe("chunked body");
    // Re-chunked, or with a length when the whole body had arrived before it was sent: never both.
    expect([chunked.length, chunked.te]).toContainEqual(null);
    expect([chunked.length, chunked.te]).toEqual(expect.arrayContaining([expect.stringMatching(/^(12|chunked)$/)]));
  });

  it("streams a response without a length, drops interim answers, keeps repeated headers", async () => {
    expect(await request("/chunked")).toMatchObject({ status: 200, body: "part one, part two" });
    expect(await request("/early-hints")).toMatchObject({ status: 200, body: "after hints" });
    const cookies = await request("/cookies");
    expect(cookies.headers["set-cookie"]).toEqual(["a=1; Path=/", "b=2; Path=/"]);
  });

  it("does not pass the upstream's Connection: close on, and the next request works", async () => {
    const closed = await request("/close");
    expect(closed).toMatchObject({ status: 200, body: "bye" });
    expect(closed.headers.connection).not.toBe("close");
    for (let i = 0; i < 3; i++) expect((await request("/close")).body).toBe("bye");
    expect(JSON.parse((await request("/echo")).body)).toMatchObject({ body: "" });
  });
});
