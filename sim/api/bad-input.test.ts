import { request } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSim, type TestSim } from "../test/start-api-sim";

let sim: TestSim;
beforeAll(async () => {
  sim = await startTestSim();
});
afterAll(async () => sim?.close());

/** A raw HTTPS request, so bodies and paths can be as broken as a buggy client makes them. */
function raw(method: string, path: string, body?: string | Buffer, contentType = "application/json"): Promise<{ code: number; json: { kind?: string; reason?: string; code?: number; message?: string } }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, sim.url);
    const req = request(url, { method, ca: sim.caCert, headers: { Authorization: `Bearer ${sim.token}`, "Content-Type": contentType } }, (res) => {
      let text = "";
      res.on("data", (d: Buffer) => (text += d.toString()));
      res.on("end", () => resolve({ code: res.statusCode ?? 0, json: JSON.parse(text) }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const cases: [string, string, string, string | undefined, string, number, string][] = [
  ["malformed JSON", "POST", "/api/v1/namespaces/default/configmaps", "{\"metadata\":", "application/json", 400, "BadRequest"],
  ["malformed YAML", "POST", "/api/v1/namespaces/default/configmaps", "metadata: [unclosed", "application/yaml", 400, "BadRequest"],
  ["a list as body", "POST", "/api/v1/namespaces/default/configmaps", "[1,2]", "application/json", 400, "BadRequest"],
  ["an empty body", "POST", "/api/v1/namespaces/default/configmaps", "", "application/json", 400, "BadRequest"],
  ["the wrong kind", "POST", "/api/v1/namespaces/default/configmaps", '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"x"}}', "application/json", 400, "BadRequest"],
  ["the wrong apiVersion", "POST", "/api/v1/namespaces/default/configmaps", '{"apiVersion":"v2","kind":"ConfigMap","metadata":{"name":"x"}}', "application/json", 400, "BadRequest"],
  ["an invalid name", "POST", "/api/v1/namespaces/default/configmaps", '{"metadata":{"name":"-x-"}}', "application/json", 422, "Invalid"],
  ["a bad quantity", "POST", "/api/v1/namespaces/default/persistentvolumeclaims", '{"metadata":{"name":"v"},"spec":{"resources":{"requests":{"storage":"ten gigs"}}}}', "application/json", 422, "Invalid"],
  ["an unknown kind", "GET", "/api/v1/namespaces/default/widgets", undefined, "application/json", 404, "NotFound"],
  ["an unknown version", "GET", "/apis/batch/v7/namespaces/default/jobs", undefined, "application/json", 404, "NotFound"],
  ["a namespaced path for a cluster kind", "GET", "/api/v1/namespaces/default/nodes", undefined, "application/json", 404, "NotFound"],
  ["a missing namespace", "POST", "/api/v1/namespaces/nowhere/configmaps", '{"metadata":{"name":"x"}}', "application/json", 404, "NotFound"],
  ["an unsupported method", "PUT", "/api/v1/namespaces/default/configmaps", "{}", "application/json", 405, "MethodNotAllowed"],
  ["a malformed path", "GET", "/api/v1/namespaces/%zz/pods", undefined, "application/json", 400, "BadRequest"],
  ["a bad label selector", "GET", "/api/v1/pods?labelSelector=a%20in%20(b", undefined, "application/json", 400, "BadRequest"],
  ["an unsupported field selector", "GET", "/api/v1/configmaps?fieldSelector=spec.x%3Dy", undefined, "application/json", 400, "BadRequest"],
  ["a bad continue token", "GET", "/api/v1/pods?limit=1&continue=garbage", undefined, "application/json", 400, "BadRequest"],
  ["an unknown patch type", "PATCH", "/api/v1/namespaces/default/configmaps/x", "{}", "text/plain", 404, "NotFound"],
  ["a non-protobuf protobuf body", "POST", "/api/v1/namespaces/default/configmaps", "hello", "application/vnd.kubernetes.protobuf", 400, "BadRequest"],
];

describe("bad input", () => {
  it.each(cases)("answers %s with a Status", async (_what, method, path, body, type, code, reason) => {
    const res = await raw(method, path, body, type);
    expect([res.code, res.json.kind, res.json.reason, res.json.code]).toEqual([code, "Status", reason, code]);
  });

  it("answers 415 for an unknown patch type on an existing object and 409 for a stale patch", async () => {
    await raw("POST", "/api/v1/namespaces/default/configmaps", '{"metadata":{"name":"there"}}');
    expect((await raw("PATCH", "/api/v1/namespaces/default/configmaps/there", "{}", "text/plain")).code).toBe(415);
    const stale = await raw("PATCH", "/api/v1/namespaces/default/configmaps/there", '{"metadata":{"resourceVersion":"1","labels":{"a":"b"}}}', "application/merge-patch+json");
    expect([stale.code, stale.json.reason]).toEqual([409, "Conflict"]);
  });

  it("still serves after all of that", async () => {
    expect((await raw("GET", "/api/v1/namespaces/default/configmaps")).code).toBe(200);
  });
});
