import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { cookieFor, rawRequest, route, startBackend, startProxy, type Backend, type RunningProxy } from "./test-support";

let pod: Backend, web: Backend;
let proxy: RunningProxy;
let alice: string;

beforeAll(async () => {
  [pod, web] = await Promise.all([startBackend("pod"), startBackend("web")]);
  proxy = await startProxy([route("alice", "s1", pod.port)], web, { activityIntervalMs: 200 });
  alice = await cookieFor({ id: "alice-id", username: "alice" });
});

afterAll(async () => {
  await proxy?.close();
  await Promise.all([pod?.close(), web?.close()]);
});

function openWs(path: string, headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${proxy.port}${path}`, { headers });
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

const nextMessage = (ws: WebSocket) => new Promise<string>((resolve) => ws.once("message", (d) => resolve(String(d))));

describe("WebSocket", () => {
  it("echoes messages both ways through the proxy, with the pod token and no portal cookie", async () => {
    const ws = await openWs("/user/alice/s1/api/kernels/k/channels", { cookie: `${alice}; _xsrf=x` });
    for (const m of ["one", "two", "three"]) {
      ws.send(m);
      expect(await nextMessage(ws)).toBe(`pod:${m}`);
    }
    const upgrade = pod.seen.filter((s) => s.method === "WS").at(-1)!;
    expect(upgrade.headers.authorization).toBe("token pod-token-alice-s1");
    expect(upgrade.headers.cookie).toBe("_xsrf=x");
    const closed = new Promise((r) => ws.once("close", r));
    ws.close();
    await closed;
  });

  it("carries WebSockets to the web server too (Next.js HMR)", async () => {
    const ws = await openWs("/_next/webpack-hmr", {});
    ws.send("hmr");
    expect(await nextMessage(ws)).toBe("web:hmr");
    ws.terminate();
  });

  it("closes the client when the pod closes its side", async () => {
    const ws = await openWs("/user/alice/s1/ws", { cookie: alice });
    const closed = new Promise<number>((r) => ws.once("close", (code) => r(code)));
    await new Promise((r) => setTimeout(r, 0));
    await pod.close().then(async () => {
      // restart the same backend object on a new port for the remaining tests
      const again = await startBackend("pod");
      proxy.source.upsert(route("alice", "s1", again.port));
      pod = again;
    });
    expect(typeof (await closed)).toBe("number");
  });

  it("records WebSocket messages in both directions as activity, flushed in batches", async () => {
    await proxy.activity.flush();
    const batchesBefore = proxy.flushed.length;
    const eventsBefore = proxy.activity.events;
    const ws = await openWs("/user/alice/s1/api/kernels/k/channels", { cookie: alice });
    for (let i = 0; i < 5; i++) {
      ws.send(`m${i}`);
      await nextMessage(ws);
    }
    ws.terminate();
    // 1 upgrade request + at least 5 messages each way.
    expect(proxy.activity.events - eventsBefore).toBeGreaterThanOrEqual(11);
    await expect.poll(() => proxy.flushed.length, { timeout: 5_000 }).toBeGreaterThan(batchesBefore);
    const batch = proxy.flushed.at(-1)!;
    expect([...batch.keys()]).toEqual(["alice-s1-id"]);
    expect(batch.get("alice-s1-id")).toBeInstanceOf(Date);
  });
});

describe("streaming", () => {
  it("delivers server-sent events as they are sent, before the backend finishes", async () => {
    const events: string[] = [];
    let firstWhileOpen = false;
    await new Promise<void>((resolve, reject) => {
      const req = http.get({ host: "127.0.0.1", port: proxy.port, path: "/user/alice/s1/sse", headers: { cookie: alice, accept: "text/event-stream" } }, (res) => {
        expect(res.headers["content-type"]).toBe("text/event-stream");
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          // The backend only ends after its third event; the first arrives while the response is open.
          if (events.length === 0 && !res.complete) firstWhileOpen = true;
          events.push(chunk);
        });
        res.on("end", resolve);
        res.on("error", reject);
      });
      req.on("error", reject);
    });
    expect(firstWhileOpen).toBe(true);
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events.join("")).toBe("data: event 0\n\ndata: event 1\n\ndata: event 2\n\n");
  });

  it("streams a 200 MB upload: the pod sees the first chunk before the client has sent it all", async () => {
    const total = 200 * 1024 * 1024;
    const chunk = Buffer.alloc(1024 * 1024, 97);
    let sent = 0;
    let sentWhenPodSawFirst = -1;
    void pod.firstUploadChunk.then(() => (sentWhenPodSawFirst = sent));
    const receivedBefore = pod.uploadReceived();
    // Bytes the client has handed over that the pod has not seen yet: what sits in socket
    // buffers and in the proxy. A proxy that buffered the body would let this grow to ~200 MB.
    let maxInFlight = 0;
    const result = await new Promise<string>((resolve, reject) => {
      const req = http.request(
        { host: "127.0.0.1", port: proxy.port, path: "/user/alice/s1/upload", method: "POST", headers: { cookie: alice, "content-type": "application/octet-stream" } },
        (res) => {
          let body = "";
          res.on("data", (c: Buffer) => (body += c));
          res.on("end", () => resolve(body));
        },
      );
      req.on("error", reject);
      const pump = () => {
        while (sent < total) {
          maxInFlight = Math.max(maxInFlight, sent - (pod.uploadReceived() - receivedBefore));
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once("drain", pump);
        }
        req.end();
      };
      pump();
    });
    expect(JSON.parse(result)).toEqual({ bytes: total });
    expect(sentWhenPodSawFirst).toBeGreaterThanOrEqual(0);
    expect(sentWhenPodSawFirst).toBeLessThan(total);
    // Backpressure holds: never more than a few socket buffers' worth in flight. (Measured as
    // bytes rather than RSS, which client, proxy and pod share here and the GC makes noisy.)
    expect(maxInFlight).toBeLessThan(32 * 1024 * 1024);
  });
});

describe("failures", () => {
  it("cuts only the affected response when the pod resets mid-body, and the next request works", async () => {
    const failure = await new Promise<string>((resolve) => {
      const req = http.get({ host: "127.0.0.1", port: proxy.port, path: "/user/alice/s1/reset", headers: { cookie: alice } }, (res) => {
        expect(res.statusCode).toBe(200);
        res.on("data", () => {});
        res.on("error", (e) => resolve(e.message));
        res.on("end", () => resolve("ended"));
      });
      req.on("error", (e) => resolve(e.message));
    });
    expect(failure).not.toBe("ended");
    const next = await rawRequest(proxy.port, "/user/alice/s1/api/ok", { cookie: alice });
    expect(next.status).toBe(200);
  });

  it("answers 502 when the pod drops the connection before answering", async () => {
    const r = await rawRequest(proxy.port, "/user/alice/s1/reset-early", { cookie: alice, accept: "text/html" });
    expect(r.status).toBe(502);
    expect(r.body).toContain("reset");
    expect((await rawRequest(proxy.port, "/_proxy/health")).status).toBe(200);
  });

  it("refuses invalid upgrade requests with 400", async () => {
    const r = await rawRequest(proxy.port, "/user/alice/s1/x", { cookie: alice, connection: "Upgrade", upgrade: "h2c" });
    expect(r.status).toBe(400);
  });

  it("answers oversized headers with 431 and keeps serving", async () => {
    // A raw socket: the proxy answers and closes while a client library would still be writing.
    const answer = await new Promise<string>((resolve) => {
      const socket = net.connect(proxy.port, "127.0.0.1");
      let data = "";
      socket.on("data", (c: Buffer) => (data += c.toString("latin1")));
      socket.on("error", () => resolve(data));
      socket.on("close", () => resolve(data));
      socket.end(`GET /user/alice/s1/ HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20 * 1024)}\r\n\r\n`);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 431/);
    expect((await rawRequest(proxy.port, "/_proxy/health")).status).toBe(200);
  });
});
