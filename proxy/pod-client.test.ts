import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "@/lib/sessions/test-support/wait-for";
import { cookieFor, route, startBackend, startProxy, type Backend, type RunningProxy } from "./test-support";

// The proxy's own HTTP/1.1 client for requests without a body, against a pod that writes exact
// bytes: framing it must decode, answers it must refuse, sockets it must not reuse.
let pod: net.Server;
let podPort = 0;
let connections = 0;
/** Requests seen per connection number, so tests can tell reuse from new sockets. */
const seen: Array<{ conn: number; line: string }> = [];
let web: Backend;
let proxy: RunningProxy;
let alice: string;
const BIG = 64 * 1024 * 1024;
const podSockets = new Set<net.Socket>();

/** The most bytes the pod has written on any one connection (the /big one, once it runs). */
function bytesFromPod(): number {
  let max = 0;
  for (const s of podSockets) max = Math.max(max, s.bytesWritten);
  return max;
}

function answer(sock: net.Socket, conn: number, requestLine: string, nth: number): void {
  const path = requestLine.split(" ")[1]!.replace(/^\/user\/alice\/s1/, "");
  const ok = (body: string, extra = "") => sock.write(`HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`);
  switch (path) {
    case "/chunked":
      return void sock.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Pod: raw\r\n\r\n5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n");
    case "/split-chunked": {
      // The same framing delivered a few bytes at a time.
      const bytes = Buffer.from("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
      let i = 0;
      const timer = setInterval(() => {
        sock.write(bytes.subarray(i, i + 5));
        if ((i += 5) >= bytes.length) clearInterval(timer);
      }, 2);
      return;
    }
    case "/both-lengths":
      return void sock.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    case "/bad-length":
      return void sock.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!");
    case "/bad-status":
      return void sock.write("HTTP/1.1 OK\r\n\r\n");
    case "/trailing-bytes":
      return void sock.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nforge");
    case "/unsolicited":
      ok("first");
      return void setTimeout(() => sock.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nforge"), 20);
    case "/drop-second":
      // Answers the first request of a connection, closes the connection on the second without a word.
      if (nth === 1) return void ok("first");
      return void sock.destroy();
    case "/silent":
      return; // never answers
    case "/big": {
      sock.write(`HTTP/1.1 200 OK\r\nContent-Length: ${BIG}\r\n\r\n`);
      const chunk = Buffer.alloc(64 * 1024, 120);
      let sent = 0;
      const pump = () => {
        while (sent < BIG) {
          sent += chunk.length;
          if (!sock.write(chunk)) return void sock.once("drain", pump);
        }
      };
      return pump();
    }
    default:
      return void ok(`conn ${conn}`);
  }
}

beforeAll(async () => {
  pod = net.createServer((sock) => {
    const conn = ++connections;
    podSockets.add(sock);
    sock.on("close", () => podSockets.delete(sock));
    let nth = 0;
    let buf = "";
    sock.on("error", () => undefined);
    sock.on("data", (c: Buffer) => {
      buf += c.toString("latin1");
      let end: number;
      while ((end = buf.indexOf("\r\n\r\n")) !== -1) {
        const line = buf.slice(0, buf.indexOf("\r\n"));
        buf = buf.slice(end + 4);
        seen.push({ conn, line });
        answer(sock, conn, line, ++nth);
      }
    });
  });
  await new Promise<void>((r) => pod.listen(0, "127.0.0.1", r));
  podPort = (pod.address() as net.AddressInfo).port;
  web = await startBackend("web");
  proxy = await startProxy([route("alice", "s1", podPort)], web, { idleTimeoutMs: 1_500 });
  alice = await cookieFor({ id: "alice-id", username: "alice" });
});

afterAll(async () => {
  await proxy?.close();
  await web?.close();
  await new Promise((r) => pod?.close(r));
});

// A fresh client connection per request: what is tested is the proxy's side towards the pod.
// As a browser (text/html): failure pages carry the reason in plain words.
function get(path: string, method = "GET"): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port: proxy.port, path: `/user/alice/s1${path}`, method, headers: { cookie: alice, accept: "text/html" }, agent: false }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

describe("pod client (requests without a body)", () => {
  it("reuses one keep-alive socket for sequential requests", async () => {
    const first = await get("/a");
    const second = await get("/b");
    expect(first.status).toBe(200);
    expect(second.body).toBe(first.body); // "conn N": the same pod connection answered both
  });

  it("decodes chunked answers (extensions, trailers, bytes split anywhere) and re-frames them", async () => {
    const r = await get("/chunked");
    expect(r).toMatchObject({ status: 200, body: "hello, world" });
    expect(r.headers["x-pod"]).toBe("raw");
    expect(r.headers["x-trailer"]).toBeUndefined();
    expect((await get("/split-chunked")).body).toBe("abcde");
    expect((await get("/a")).status).toBe(200); // and the socket is still in step
  });

  it("answers 502 for answers that could desynchronise the connection, and recovers", async () => {
    for (const path of ["/both-lengths", "/bad-length", "/bad-status"]) {
      const r = await get(path);
      expect([path, r.status]).toEqual([path, 502]);
      expect(r.body).not.toContain("Content-Length");
    }
    expect((await get("/a")).status).toBe(200);
  });

  it("never hands bytes past the end of an answer, or sent while idle, to the next request", async () => {
    const before = connections;
    expect(await get("/trailing-bytes")).toMatchObject({ status: 200, body: "ok" });
    const next = await get("/a");
    expect(next).toMatchObject({ status: 200 });
    expect(next.body).not.toContain("forge");
    expect(connections).toBeGreaterThan(before); // the polluted socket was closed, not reused

    expect((await get("/unsolicited")).body).toBe("first");
    const afterIdle = connections;
    await new Promise((r) => setTimeout(r, 100)); // the pod writes on the idle socket meanwhile
    const clean = await get("/a");
    expect(clean.body).not.toContain("forge");
    expect(connections).toBeGreaterThan(afterIdle);
  });

  it("repeats a GET once on a new socket when a reused one was closed unanswered; not a DELETE", async () => {
    expect((await get("/drop-second")).body).toBe("first");
    const retried = await get("/drop-second");
    expect(retried).toMatchObject({ status: 200, body: "first" }); // answered as a first request, on a new socket
    // That new socket is reused for the DELETE, which the pod drops too: not repeated.
    const refused = await get("/drop-second", "DELETE");
    expect(refused.status).toBe(502);
    expect(refused.body).toContain("the connection was reset");
  });

  it("answers 502 'timed out' when the pod stays silent past the idle timeout", async () => {
    const r = await get("/silent");
    expect(r.status).toBe(502);
    expect(r.body).toContain("the connection timed out");
  });

  it("streams a large answer at the client's pace (the pod is paused, not buffered in the proxy)", async () => {
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get({ host: "127.0.0.1", port: proxy.port, path: "/user/alice/s1/big", headers: { cookie: alice }, agent: false }, resolve).on("error", reject);
    });
    res.pause();
    // The client reads nothing: the proxy must stop reading from the pod once the buffers are full,
    // so the pod's writes stall with the socket buffers' worth in flight, far from the 64 MB.
    let received = 0;
    const stalledAt = await waitFor("the pod's writes to stall", async () => {
      const a = bytesFromPod();
      await new Promise((r) => setTimeout(r, 300));
      return a > 0 && bytesFromPod() === a && a;
    });
    expect(stalledAt).toBeLessThan(32 * 1024 * 1024);
    res.on("data", (c: Buffer) => (received += c.length));
    res.resume();
    await new Promise((r) => res.on("end", r));
    expect(received).toBe(BIG);
  });
});
