import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres } from "./postgres";
import { EmbeddedPostgresError, processAlive } from "./postgres-host";

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function listen(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen({ port, host: "127.0.0.1" }, () => resolve(server));
  });
}

const closeServer = (s: net.Server) => new Promise<void>((r) => s.close(() => r()));

describe("[dev] embedded PostgreSQL", () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "ai-hub-pg-test-"));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("keeps its data and its port across a stop and a restart, and stops completely", async () => {
    const first = await startEmbeddedPostgres({ dataDir, persistent: true, durable: false });
    await query(first.url, "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('still here')");
    await first.stop();
    expect(existsSync(path.join(dataDir, "pgdata", "postmaster.pid"))).toBe(false);
    await expect(query(first.url, "SELECT 1")).rejects.toThrow(/ECONNREFUSED/);

    const second = await startEmbeddedPostgres({ dataDir, persistent: true, durable: false });
    try {
      expect(second.port).toBe(first.port);
      expect(second.url).toBe(first.url);
      expect(await query(second.url, "SELECT note FROM kept")).toEqual([{ note: "still here" }]);
    } finally {
      await second.stop();
    }
  });

  it("moves to another free port when its previous port is taken, keeping the data", async () => {
    const first = await startEmbeddedPostgres({ dataDir, persistent: true, durable: false });
    await first.stop();
    const squatter = await listen(first.port);
    try {
      const moved = await startEmbeddedPostgres({ dataDir, persistent: true, durable: false });
      try {
        expect(moved.port).not.toBe(first.port);
        expect(await query(moved.url, "SELECT note FROM kept")).toEqual([{ note: "still here" }]);
      } finally {
        await moved.stop();
      }
    } finally {
      await closeServer(squatter);
    }
  });

  it("says clearly that a requested port is used by another program", async () => {
    const squatter = await listen(0);
    const port = (squatter.address() as net.AddressInfo).port;
    try {
      const error = await startEmbeddedPostgres({ dataDir, port, persistent: true, durable: false }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EmbeddedPostgresError);
      expect((error as Error).message).toContain(`port ${port} on 127.0.0.1 is already in use by another program`);
      expect((error as Error).message).toMatch(/To fix: stop the program using port \d+/);
    } finally {
      await closeServer(squatter);
    }
  });

  it("starts despite a stale postmaster.pid left by a crash", async () => {
    // The pid of a process that has exited: what a power cut or SIGKILL leaves behind.
    const gone = spawn(process.execPath, ["-e", ""]);
    await new Promise((r) => gone.once("exit", r));
    await writeFile(path.join(dataDir, "pgdata", "postmaster.pid"), `${gone.pid}\n${path.join(dataDir, "pgdata")}\n0\n5432\n`);
    const db = await startEmbeddedPostgres({ dataDir, persistent: true, durable: false });
    try {
      expect(await query(db.url, "SELECT note FROM kept")).toEqual([{ note: "still here" }]);
    } finally {
      await db.stop();
    }
  });
});

describe("[dev] embedded PostgreSQL data directory", () => {
  it("never wipes a cluster whose state file is missing, and says what to do", async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "ai-hub-pg-test-"));
    try {
      await mkdir(path.join(dataDir, "pgdata"), { recursive: true });
      await writeFile(path.join(dataDir, "pgdata", "PG_VERSION"), "18\n");
      const error = await startEmbeddedPostgres({ dataDir, persistent: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EmbeddedPostgresError);
      expect((error as Error).message).toMatch(/state\.json \(its port and password\) is missing.*To fix: delete/);
      expect(existsSync(path.join(dataDir, "pgdata", "PG_VERSION"))).toBe(true);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("redoes an initdb that a killed run left half-done", async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "ai-hub-pg-test-"));
    try {
      await mkdir(path.join(dataDir, "pgdata"), { recursive: true });
      await writeFile(path.join(dataDir, "pgdata", "PG_VERSION"), "18\n");
      await writeFile(path.join(dataDir, "state.json"), JSON.stringify({ password: "from-the-killed-run" }));
      const db = await startEmbeddedPostgres({ dataDir, persistent: false, durable: false });
      try {
        expect(await query(db.url, "SELECT 1 AS one")).toEqual([{ one: 1 }]);
      } finally {
        await db.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe("[dev] embedded PostgreSQL owned by another process", () => {
  const child = fileURLToPath(new URL("./fixtures/start-postgres-child.ts", import.meta.url));
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "ai-hub-pg-test-"));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  function startChild() {
    const proc = spawn(process.execPath, ["--import", "tsx", child, dataDir], { stdio: ["ignore", "pipe", "inherit"] });
    const ready = new Promise<{ postmaster: number; port: number }>((resolve, reject) => {
      let out = "";
      proc.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const m = /READY (\d+) (\d+)/.exec(out);
        if (m) resolve({ postmaster: Number(m[1]), port: Number(m[2]) });
      });
      proc.once("exit", (code) => reject(new Error(`child exited (${code}) before PostgreSQL was ready`)));
    });
    return { proc, ready, exited: new Promise((r) => proc.once("exit", r)) };
  }

  it("stops PostgreSQL when its process gets SIGTERM", async () => {
    const { proc, ready, exited } = startChild();
    const { postmaster } = await ready;
    expect(processAlive(postmaster)).toBe(true);
    proc.kill("SIGTERM");
    await exited;
    await waitFor(() => !processAlive(postmaster), "the postmaster has exited");
  });

  it("refuses to share a running cluster with its live owner, and says who owns it", async () => {
    const { proc, ready, exited } = startChild();
    const { postmaster } = await ready;
    try {
      const error = await startEmbeddedPostgres({ dataDir, persistent: true }).catch((e: unknown) => e);
      expect((error as Error).message).toContain(`is already running (pid ${postmaster}), started by process ${proc.pid}`);
    } finally {
      proc.kill("SIGTERM");
      await exited;
    }
  });

  it("shares a running cluster when asked (db:migrate next to npm run dev) and leaves it running", async () => {
    const { proc, ready, exited } = startChild();
    const { postmaster, port } = await ready;
    try {
      const shared = await startEmbeddedPostgres({ dataDir, persistent: true, shareRunning: true });
      expect(shared.port).toBe(port);
      expect(await query(shared.url, "SELECT 1 AS one")).toEqual([{ one: 1 }]);
      await shared.stop();
      expect(processAlive(postmaster)).toBe(true);
    } finally {
      proc.kill("SIGTERM");
      await exited;
    }
  });

  it("takes over from a PostgreSQL orphaned by a killed process", async () => {
    const { proc, ready, exited } = startChild();
    const { postmaster, port } = await ready;
    proc.kill("SIGKILL");
    await exited;
    expect(processAlive(postmaster)).toBe(true); // the orphan: nobody stopped it

    const db = await startEmbeddedPostgres({ dataDir, persistent: true, durable: false });
    try {
      expect(processAlive(postmaster)).toBe(false);
      expect(db.port).toBe(port);
      expect(await query(db.url, "SELECT 1 AS one")).toEqual([{ one: 1 }]);
    } finally {
      await db.stop();
    }
  });
});
