/**
 * A small process supervisor for the development stack: starts services in order, prefixes their
 * output, stops them in reverse order on Ctrl-C or when one dies, and never leaves a child behind.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

export interface Running {
  stop(): Promise<void>;
}

export interface Service {
  name: string;
  start(): Promise<Running>;
}

const colours = [36, 35, 33, 32, 34, 31, 96, 95];

export function prefixer(name: string, index: number) {
  const tag = `\x1b[${colours[index % colours.length]}m${name.padEnd(10)}\x1b[0m│ `;
  return (line: string) => process.stdout.write(tag + line + "\n");
}

export interface ChildOptions {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Resolves once a line matching this appears on stdout/stderr; rejects if the process exits first. */
  readyLine?: RegExp;
  readyTimeoutMs?: number;
  print: (line: string) => void;
  onExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}

/** Spawns a child in its own process group so that stopping it also stops what it started. */
export function startChild(opts: ChildOptions): Promise<Running & { child: ChildProcess; match?: RegExpMatchArray }> {
  return new Promise((resolve, reject) => {
    const child = spawn(opts.command, opts.args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let ready = !opts.readyLine;
    let stopping = false;
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    const stop = async () => {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          /* already gone */
        }
      }, 8000);
      await exited;
      clearTimeout(timer);
    };
    const timeout = opts.readyLine
      ? setTimeout(() => {
          if (!ready) {
            void stop();
            reject(new Error(`${opts.name} did not become ready within ${(opts.readyTimeoutMs ?? 60000) / 1000}s`));
          }
        }, opts.readyTimeoutMs ?? 60000)
      : undefined;
    const onLine = (line: string) => {
      opts.print(line);
      if (!ready && opts.readyLine) {
        const m = line.match(opts.readyLine);
        if (m) {
          ready = true;
          clearTimeout(timeout);
          resolve({ child, stop, match: m });
        }
      }
    };
    createInterface({ input: child.stdout! }).on("line", onLine);
    createInterface({ input: child.stderr! }).on("line", onLine);
    child.once("error", (e) => {
      clearTimeout(timeout);
      reject(new Error(`${opts.name} could not start: ${e.message}`));
    });
    child.once("exit", (code, signal) => {
      if (!ready) {
        clearTimeout(timeout);
        reject(new Error(`${opts.name} exited before it was ready (code ${code ?? signal})`));
      } else if (!stopping) {
        opts.onExit?.(code, signal);
      }
    });
    if (ready) resolve({ child, stop });
  });
}

/** Starts services in order; on any failure or signal stops what started, in reverse. */
export async function supervise(services: Service[], onReady: () => void): Promise<void> {
  const running: { name: string; r: Running }[] = [];
  let shuttingDown = false;
  const shutdown = async (code: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    process.stdout.write("\nStopping AI Hub dev stack…\n");
    for (const { name, r } of running.reverse()) {
      try {
        await r.stop();
      } catch (e) {
        process.stderr.write(`could not stop ${name}: ${(e as Error).message}\n`);
      }
    }
    process.exit(code);
  };
  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));
  process.on("SIGHUP", () => void shutdown(0));
  supervisorHooks.fail = (msg: string) => {
    process.stderr.write(`\n${msg}\n`);
    void shutdown(1);
  };
  for (const s of services) {
    try {
      running.push({ name: s.name, r: await s.start() });
    } catch (e) {
      process.stderr.write(`\n✖ ${s.name}: ${(e as Error).message}\n`);
      await shutdown(1);
      return;
    }
  }
  onReady();
}

/** Lets a service report that it died after start, which stops the whole stack. */
export const supervisorHooks: { fail: (msg: string) => void } = { fail: () => {} };
