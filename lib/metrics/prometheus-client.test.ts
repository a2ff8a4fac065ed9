import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrometheusClient } from "@/lib/metrics/prometheus-client";

// A real HTTP server standing in for a misbehaving Prometheus: each test picks its answer by path prefix.
type Answer = (req: IncomingMessage, res: ServerResponse, body: string) => void;
const answers = new Map<string, Answer>();
let server: Server;
let base = "";

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const key = req.url!.split("/api/")[0]!;
      (answers.get(key) ?? ((_q, r) => r.writeHead(404).end()))(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function at(prefix: string, answer: Answer) {
  answers.set(prefix, answer);
  return createPrometheusClient({ url: `${base}${prefix}`, timeoutMs: 500 });
}
const json = (status: number, body: unknown): Answer => (_q, res) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));

describe("metrics: Prometheus client", () => {
  it("parses an instant vector, sending the query as a form", async () => {
    let seen = "";
    const c = at("/ok", (_q, res, body) => {
      seen = body;
      json(200, { status: "success", data: { resultType: "vector", result: [{ metric: { pod: "p" }, value: [1700000000.5, "0.95"] }, { metric: {}, value: [1700000000.5, "NaN"] }] }, warnings: ["w"] })(_q, res, body);
    });
    const r = await c.query('up{pod="p"}');
    expect(new URLSearchParams(seen).get("query")).toBe('up{pod="p"}');
    expect(r).toEqual({ ok: true, warnings: ["w"], data: [{ metric: { pod: "p" }, time: 1700000000.5, value: 0.95 }, { metric: {}, time: 1700000000.5, value: NaN }] });
  });

  it("parses a range matrix", async () => {
    const c = at("/range", json(200, { status: "success", data: { resultType: "matrix", result: [{ metric: { pod: "p" }, values: [[1, "1"], [2, "2"]] }] } }));
    const r = await c.queryRange("x", { start: new Date(1000), end: new Date(2000), stepSeconds: 1 });
    expect(r).toEqual({ ok: true, warnings: [], data: [{ metric: { pod: "p" }, points: [{ time: 1, value: 1 }, { time: 2, value: 2 }] }] });
  });

  it.each<[string, Answer, RegExp]>([
    ["status error with its type and message", json(400, { status: "error", errorType: "bad_data", error: "parse error at char 3" }), /refused the query \(bad_data: parse error at char 3\)/],
    ["HTTP 503 with an HTML body", (_q, res) => res.writeHead(503, { "content-type": "text/html" }).end("<html>down</html>"), /answered HTTP 503/],
    ["a body that is not JSON", (_q, res) => res.writeHead(200).end("hello"), /not JSON/],
    ["JSON of another shape", json(200, { hello: "world" }), /unexpected format/],
    ["a vector with non-string values", json(200, { status: "success", data: { resultType: "vector", result: [{ metric: {}, value: [1, 2] }] } }), /expected an instant vector/],
    ["a matrix where a vector was expected", json(200, { status: "success", data: { resultType: "matrix", result: [] } }), /expected an instant vector/],
    ["no answer in time", () => undefined, /did not answer within 500 ms/],
  ])("treats %s as unavailable", async (name, answer, reason) => {
    const c = at(`/${name.replace(/\W+/g, "-")}`, answer);
    const r = await c.query("up");
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(reason);
  });

  it("treats a closed port as unreachable", async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const r = await createPrometheusClient({ url: `http://127.0.0.1:${port}`, timeoutMs: 1000 }).query("up");
    expect(r).toEqual({ ok: false, reason: `Prometheus at http://127.0.0.1:${port} is unreachable` });
  });
});
