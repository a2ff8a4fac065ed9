import { describe, expect, it } from "vitest";
import { describeStartFailure, EmbeddedPostgresError, findFreePort, isPortFree } from "./postgres-host";

const where = { port: 5433, dataDir: "/srv/ai-hub/.data/postgres", pgdata: "/srv/ai-hub/.data/postgres/pgdata" };

describe("[dev] why PostgreSQL did not start", () => {
  it("names a port in use", () => {
    const f = describeStartFailure(['LOG:  could not bind IPv4 address "127.0.0.1": Address already in use', "FATAL:  could not create any TCP/IP sockets"], where);
    expect(f.kind).toBe("port-in-use");
    expect(f.why).toBe("port 5433 on 127.0.0.1 is already in use by another program");
  });

  it("names a data directory owned by someone else, and how to start afresh", () => {
    const f = describeStartFailure(['FATAL:  data directory "/srv/ai-hub/.data/postgres/pgdata" has wrong ownership'], where);
    expect(f.kind).toBe("ownership");
    expect(f.todo).toContain("delete /srv/ai-hub/.data/postgres");
  });

  it("names a lock held by another server", () => {
    const f = describeStartFailure(['FATAL:  lock file "postmaster.pid" already exists', "HINT:  Is another postmaster (PID 4242) running in data directory?"], where);
    expect(f.kind).toBe("lock");
    expect(f.todo).toContain("postmaster.pid");
  });

  it("names data written by another PostgreSQL version", () => {
    const f = describeStartFailure(["FATAL:  database files are incompatible with server", "DETAIL:  The data directory was initialized by PostgreSQL version 16"], where);
    expect(f.kind).toBe("version");
  });

  it("quotes PostgreSQL when the cause is unknown, and suspects the binary when it said nothing", () => {
    expect(describeStartFailure(["FATAL:  something odd"], where).why).toContain("FATAL:  something odd");
    expect(describeStartFailure([], where).why).toContain("is the binary present and executable?");
  });

  it("puts why and what to do in one message", () => {
    const e = new EmbeddedPostgresError("port 1 is taken", "choose another port");
    expect(e.message).toBe("Embedded PostgreSQL could not start: port 1 is taken. To fix: choose another port.");
  });
});

describe("[dev] ports", () => {
  it("finds a free loopback port and sees it free", async () => {
    const port = await findFreePort();
    expect(port).toBeGreaterThan(0);
    expect(await isPortFree(port)).toBe(true);
  });
});
