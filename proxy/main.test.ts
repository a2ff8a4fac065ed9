import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { listen } from "./test-support";

// The real process (`npm run proxy` runs this file): SIGTERM lets an in-flight exchange finish,
// refuses new connections meanwhile, and exits 0.
const root = path.resolve(import.meta.dirname, "..");
let child: ChildProcess | undefined;
let web: http.Server | undefined;

afterAll(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  await new Promise((r) => (web ? web.close(r) : r(undefined)));
});

describe("proxy process", () => {
  it("on SIGTERM completes the in-flight request, refuses new connections, then exits 0", async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let arrived!: () => void;
    const slowArrived = new Promise<void>((r) => (arrived = r));
    web = http.createServer((req, res) => {
      if (req.url === "/slow") {
        arrived();
        void released.then(() => res.end("slow answer"));
      } else res.end("fast");
    });
    const webPort = await listen(web);

    child = spawn(process.execPath, ["--import", "tsx", "proxy/main.ts"], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: "", AI_HUB_SERVICE: "proxy", LOG_LEVEL: "info", PROXY_PORT: "0", PROXY_LISTEN_HOST: "127.0.0.1", PROXY_WEB_URL: `http://127.0.0.1:${webPort}`, PROXY_SHUTDOWN_GRACE_MS: "20000", PROXY_METRICS_PORT: "0", METRICS_TOKEN: "m".repeat(24) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const lines: Record<string, unknown>[] = [];
    const rawLines: string[] = [];
    const waiters: { msg: string; resolve: (line: Record<string, unknown>) => void }[] = [];
    let buffered = "";
    child.stdout!.on("data", (c: Buffer) => {
      buffered += c.toString();
      let nl: number;
      while ((nl = buffered.indexOf("\n")) !== -1) {
        rawLines.push(buffered.slice(0, nl));
        const line = JSON.parse(buffered.slice(0, nl)) as Record<string, unknown>;
        buffered = buffered.slice(nl + 1);
        lines.push(line);
        for (const w of waiters) if (w.msg === line.msg) w.resolve(line);
      }
    });
    const logged = (msg: string) => new Promise<Record<string, unknown>>((resolve) => {
      const seen = lines.find((l) => l.msg === msg);
      if (seen) resolve(seen);
      else waiters.push({ msg, resolve });
    });
    const exited = new Promise<number | null>((r) => child!.once("exit", (code) => r(code)));

    const ready = await logged("proxy ready");
    expect(ready.service).toBe("proxy");
    const port = ready.port as number;

    // The metrics listener (PROXY_METRICS_PORT) answers only with METRICS_TOKEN and counts what was proxied.
    const metricsPort = (await logged("proxy metrics ready")).port as number;
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    expect((await fetch(metricsUrl)).status).toBe(401);
    expect(await (await fetch(`http://127.0.0.1:${port}/fast`)).text()).toBe("fast");
    const scraped = await fetch(metricsUrl, { headers: { authorization: `Bearer ${"m".repeat(24)}` } });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toMatch(/^aihub_proxy_requests_total\{[^}]*code="200"[^}]*\} [1-9]/m);

    const inFlight = new Promise<{ status: number; body: string }>((resolve, reject) => {
      http
        .get({ host: "127.0.0.1", port, path: "/slow", agent: false }, (res) => {
          let body = "";
          res.on("data", (c: Buffer) => (body += c.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        })
        .on("error", reject);
    });
    await slowArrived;
    child.kill("SIGTERM");
    await logged("proxy shutting down");

    // The listening socket is closed: a new connection is refused while the old exchange goes on.
    const refused = await new Promise<string>((resolve) => {
      const s = net.connect(port, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve("connected");
      });
      s.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });
    expect(refused).toBe("ECONNREFUSED");
    expect(child.exitCode).toBeNull();

    release();
    expect(await inFlight).toEqual({ status: 200, body: "slow answer" });
    expect(await exited).toBe(0);
    expect(lines.map((l) => l.msg)).toContain("proxy stopped");
    // One `service` key per line (pino base from AI_HUB_SERVICE, no child adding it again).
    expect(lines.every((l) => l.service === "proxy")).toBe(true);
    expect(rawLines.every((l) => l.split('"service":').length === 2)).toBe(true);
  });
});
