/**
 * Host-level helpers of the embedded PostgreSQL: ports, processes, and turning PostgreSQL's log
 * into a message that says why it did not start and what to do.
 */
import net from "node:net";

/** PostgreSQL could not be started; `message` says why and what to do. */
export class EmbeddedPostgresError extends Error {
  constructor(
    public readonly why: string,
    public readonly todo: string,
    options?: { cause?: unknown },
  ) {
    super(`Embedded PostgreSQL could not start: ${why}. To fix: ${todo}.`, options);
    this.name = "EmbeddedPostgresError";
  }
}

/** True when nothing listens on 127.0.0.1:port. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port the OS reports free on 127.0.0.1. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen({ port: 0, host: "127.0.0.1", exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: alive, but owned by another user.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export type StartFailureKind = "port-in-use" | "ownership" | "lock" | "version" | "other";

/** Reads PostgreSQL's log lines of a failed start and explains the failure. */
export function describeStartFailure(
  logs: string[],
  where: { port: number; dataDir: string; pgdata: string },
): { kind: StartFailureKind; why: string; todo: string } {
  const text = logs.join("\n");
  if (/Address already in use|could not create any TCP\/IP sockets|could not bind/i.test(text)) {
    return {
      kind: "port-in-use",
      why: `port ${where.port} on 127.0.0.1 is already in use by another program`,
      todo: `stop the program using port ${where.port} (see \`ss -ltnp 'sport = :${where.port}'\`) or choose another port`,
    };
  }
  if (/wrong ownership|must be owned by|Permission denied|Operation not permitted|invalid permissions/i.test(text)) {
    return {
      kind: "ownership",
      why: `the data directory ${where.pgdata} belongs to another user or has the wrong permissions`,
      todo: `run as the user who created it, or delete ${where.dataDir} to start with an empty database (its data is lost)`,
    };
  }
  if (/lock file .* already exists|another postmaster|another server/i.test(text)) {
    return {
      kind: "lock",
      why: `a lock file in ${where.pgdata} says another PostgreSQL is using this data directory`,
      todo: `stop that PostgreSQL, or if none is running delete ${where.pgdata}/postmaster.pid`,
    };
  }
  if (/incompatible with this version|database files are incompatible/i.test(text)) {
    return {
      kind: "version",
      why: `the data in ${where.pgdata} was created by another PostgreSQL version`,
      todo: `delete ${where.dataDir} to start with an empty database (its data is lost), or dump and restore it`,
    };
  }
  const tail = logs.slice(-8).join(" | ");
  return {
    kind: "other",
    why: tail ? `PostgreSQL said: ${tail}` : "PostgreSQL exited without a message (is the binary present and executable?)",
    todo: "read PostgreSQL's message above; run `npm install` if the binaries are missing, or set DATABASE_URL to an existing server",
  };
}
