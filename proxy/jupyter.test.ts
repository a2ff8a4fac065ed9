/**
 * The real single-user server behind the proxy: Debian's jupyter-notebook with base_url
 * /user/alice/lab/ and a token only the proxy knows. Tree page, kernel REST API, and `1+1` over the
 * kernel's WebSocket, all through the proxy with the browser's session cookie.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { cookieFor, listen, rawRequest, route, startBackend, startProxy, type Backend, type RunningProxy } from "./test-support";

const JUPYTER = "/usr/bin/jupyter-notebook";
const token = randomBytes(16).toString("hex");
let jupyter: ChildProcess | undefined;
let workDir: string;
let web: Backend;
let proxy: RunningProxy;
let alice: string;

async function freePort(): Promise<number> {
  const s = http.createServer();
  const port = await listen(s);
  await new Promise((r) => s.close(r));
  return port;
}

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), "ai-hub-jupyter-"));
  const port = await freePort();
  jupyter = spawn(
    JUPYTER,
    [
      "--no-browser",
      "--allow-root",
      "--ip=127.0.0.1",
      `--port=${port}`,
      "--port-retries=0",
      `--notebook-dir=${workDir}`,
      "--NotebookApp.base_url=/user/alice/lab/",
      `--NotebookApp.token=${token}`,
      "--NotebookApp.password=",
    ],
    // Debian's Python has ipykernel; a pyenv first in PATH would not.
    { env: { ...process.env, PATH: `/usr/bin:${process.env.PATH}`, JUPYTER_RUNTIME_DIR: workDir, HOME: workDir }, stdio: ["ignore", "ignore", "pipe"] },
  );
  jupyter.stderr?.resume();
  web = await startBackend("web");
  proxy = await startProxy([route("alice", "lab", port, { token })], web);
  alice = await cookieFor({ id: "alice-id", username: "alice" });
  // Ready when its API answers (through the proxy, which also proves the token is added).
  const deadline = Date.now() + 45_000;
  for (;;) {
    const status = (await rawRequest(proxy.port, "/user/alice/lab/api/status", { cookie: alice }).catch(() => ({ status: 0 }))).status;
    if (status === 200) break;
    if (jupyter.exitCode !== null || Date.now() > deadline) throw new Error(`jupyter-notebook did not become ready (last status ${status})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}, 60_000);

afterAll(async () => {
  if (jupyter && jupyter.exitCode === null) {
    const exited = new Promise((r) => jupyter!.once("exit", r));
    jupyter.kill("SIGTERM");
    await exited;
  }
  await proxy?.close();
  await web?.close();
  rmSync(workDir, { recursive: true, force: true });
});

describe.skipIf(!existsSync(JUPYTER))("a real Jupyter server behind the proxy", () => {
  it("refuses requests that do not come through the proxy", async () => {
    const direct = await rawRequest(proxy.table.get("alice", "lab")!.target.port, "/user/alice/lab/api/contents");
    expect(direct.status).toBe(403);
  });

  it("serves the tree page through the proxy", async () => {
    const r = await rawRequest(proxy.port, "/user/alice/lab/tree", { cookie: alice, accept: "text/html" });
    expect(r.status).toBe(200);
    expect(r.body).toContain("/user/alice/lab/");
  });

  it("runs 1+1 in a kernel over its WebSocket and reads 2", async () => {
    const origin = `http://127.0.0.1:${proxy.port}`;
    const created = await fetch(`${origin}/user/alice/lab/api/kernels`, { method: "POST", headers: { cookie: alice, "content-type": "application/json" }, body: "{}" });
    expect(created.status).toBe(201);
    const kernel = (await created.json()) as { id: string };

    const session = randomUUID();
    // A browser sends its Origin; Jupyter compares it with Host, which the proxy preserves.
    const ws = new WebSocket(`ws://127.0.0.1:${proxy.port}/user/alice/lab/api/kernels/${kernel.id}/channels?session_id=${session}`, { headers: { cookie: alice }, origin });
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
      ws.once("unexpected-response", (_q, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    const msgId = randomUUID();
    const result = new Promise<string>((resolve) => {
      ws.on("message", (data) => {
        const msg = JSON.parse(String(data)) as { msg_type: string; parent_header: { msg_id?: string }; content: { data?: Record<string, string> } };
        if (msg.msg_type === "execute_result" && msg.parent_header.msg_id === msgId) resolve(msg.content.data?.["text/plain"] ?? "");
      });
    });
    ws.send(
      JSON.stringify({
        header: { msg_id: msgId, username: "alice", session, msg_type: "execute_request", version: "5.3", date: new Date().toISOString() },
        parent_header: {},
        metadata: {},
        content: { code: "1+1", silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true },
        channel: "shell",
        buffers: [],
      }),
    );
    expect(await result).toBe("2");
    ws.close();
    const deleted = await fetch(`${origin}/user/alice/lab/api/kernels/${kernel.id}`, { method: "DELETE", headers: { cookie: alice } });
    expect(deleted.status).toBe(204);
  });
});
