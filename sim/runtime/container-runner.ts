import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SimClock } from "../store/types";
import type { ImageSpec } from "../topology/types";
import { expandVars, type ContainerSpec } from "./env";
import { runScript, shellScript } from "./script";
import { startStub } from "./stub-server";

export interface ExitInfo { exitCode: number; reason: "Completed" | "Error" | "StartError" | "OOMKilled"; message?: string }

/** A started container: one of a local process, a script interpretation, or the session stub. */
export interface ContainerRun {
  mode: "process" | "script" | "stub";
  exited: Promise<ExitInfo>;
  /** SIGTERM. */
  stop(): void;
  /** SIGKILL. */
  kill(): void;
}

export interface RunOptions {
  container: ContainerSpec;
  image?: ImageSpec;
  env: Record<string, string>;
  podIP: string;
  pod: { namespace: string; name: string; node: string };
  clock: SimClock;
  stdout(text: string): void;
  stderr(text: string): void;
  busy(simMs: number): void;
}

const exitInfo = (code: number): ExitInfo => ({ exitCode: code, reason: code === 0 ? "Completed" : "Error" });

/** Starts the container: a shell script runs in the script language, a mapped image runs its program, anything else the stub. */
export async function startContainer(o: RunOptions): Promise<ContainerRun> {
  const c = o.container;
  const program = o.image?.program;
  const script = program?.useContainerCommand ? undefined : shellScript(c.command, c.args);
  if (script) return startScript(script.script, o);
  if (program) return startProcess(o, program);
  return startStubContainer(o);
}

function startScript(script: string, o: RunOptions): ContainerRun {
  let stopping: (() => void) | undefined;
  let killed = false;
  let resolveKill: (e: ExitInfo) => void = () => {};
  const killedP = new Promise<ExitInfo>((r) => (resolveKill = r));
  const run = runScript(script, {
    env: o.env,
    stdout: o.stdout,
    stderr: o.stderr,
    busy: o.busy,
    sleep: (ms) =>
      new Promise<boolean>((resolve) => {
        const cancel = o.clock.after(ms, () => {
          stopping = undefined;
          resolve(true);
        });
        stopping = () => {
          cancel();
          resolve(false);
        };
      }),
  }).then(exitInfo);
  return {
    mode: "script",
    exited: Promise.race([run, killedP]),
    // sh has no SIGTERM handler: the script ends at once with 143 (128 + 15).
    stop: () => {
      if (stopping) stopping();
      else if (!killed) resolveKill(exitInfo(143));
    },
    kill: () => {
      killed = true;
      resolveKill(exitInfo(137));
    },
  };
}

let workRoot: string | undefined;
// Process groups still running: killed when the simulator exits, however it exits (short of SIGKILL),
// because detached children would otherwise outlive it.
const liveGroups = new Set<number>();
let exitHookInstalled = false;
function trackGroup(pid: number) {
  liveGroups.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const g of liveGroups) try { process.kill(-g, "SIGKILL"); } catch { /* already gone */ }
  });
}

function workDir(requested: string | undefined): { cwd: string; temp?: string } {
  if (requested && existsSync(requested) && statSync(requested).isDirectory()) return { cwd: requested };
  workRoot ??= mkdtempSync(join(tmpdir(), "ai-hub-sim-"));
  const temp = mkdtempSync(join(workRoot, "ctr-"));
  return { cwd: temp, temp };
}

function startProcess(o: RunOptions, program: NonNullable<ImageSpec["program"]>): ContainerRun {
  const c = o.container;
  const port = String(c.ports?.[0]?.containerPort ?? 8888);
  // Provided to mapped programs only (documented): where to listen, and the portal's base URL and token under either name.
  const simVars = {
    POD_IP: o.podIP, POD_NAME: o.pod.name, POD_NAMESPACE: o.pod.namespace, NODE_NAME: o.pod.node, CONTAINER_PORT: port,
    BASE_URL: o.env.JUPYTERHUB_SERVICE_PREFIX || o.env.AI_HUB_BASE_URL || "/",
    SESSION_TOKEN: o.env.AI_HUB_SESSION_TOKEN || o.env.JUPYTERHUB_API_TOKEN || "",
  };
  const progEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(program.env ?? {})) progEnv[k] = expandVars(v, { ...simVars, ...o.env });
  const vars = { ...simVars, ...progEnv, ...o.env };
  const argv = (program.useContainerCommand ? [...(c.command ?? program.command), ...(c.args ?? [])] : [...program.command, ...(c.args ?? [])]).map((a) => expandVars(a, vars));
  const { cwd, temp } = workDir(c.workingDir);
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: process.env.LANG ?? "C.UTF-8", ...vars };
  // The image's home (e.g. /home/<user> on a volume) is not on this host: use the working directory.
  if (!env.HOME || !existsSync(env.HOME)) env.HOME = cwd;
  // Never through a shell; its own process group so SIGTERM/SIGKILL reach children (kernels) too.
  // The project augments ProcessEnv with required app keys; a container env is just strings.
  const child = spawn(argv[0]!, argv.slice(1), { cwd, env: env as unknown as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"], detached: true });
  if (child.pid !== undefined) trackGroup(child.pid);
  child.stdout.setEncoding("utf8").on("data", o.stdout);
  child.stderr.setEncoding("utf8").on("data", o.stderr);
  const signal = (sig: NodeJS.Signals) => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      child.kill(sig);
    }
  };
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once("error", (e) => resolve({ exitCode: 128, reason: "StartError", message: `failed to start ${argv[0]}: ${e.message}` }));
    child.once("close", (code, sig) => {
      // Children of the group may outlive the leader; they go with it, as with a container's PID namespace.
      if (child.pid !== undefined) {
        try { process.kill(-child.pid, "SIGKILL"); } catch { /* group already gone */ }
        liveGroups.delete(child.pid);
      }
      resolve(exitInfo(code ?? 128 + ({ SIGTERM: 15, SIGKILL: 9, SIGINT: 2 }[sig as string] ?? 1)));
    });
  }).finally(() => {
    if (temp) rmSync(temp, { recursive: true, force: true });
  });
  return { mode: "process", exited, stop: () => signal("SIGTERM"), kill: () => signal("SIGKILL") };
}

async function startStubContainer(o: RunOptions): Promise<ContainerRun> {
  const port = o.container.ports?.[0]?.containerPort ?? 8888;
  let resolve: (e: ExitInfo) => void = () => {};
  const exited = new Promise<ExitInfo>((r) => (resolve = r));
  try {
    const codeServer = o.container.command?.[0] === "code-server";
    const stub = await startStub({ host: o.podIP, port, env: o.env, pod: o.pod, codeServer, log: (l) => o.stdout(l + "\n") });
    return {
      mode: "stub",
      exited,
      stop: () => void stub.close().then(() => resolve(exitInfo(0))),
      kill: () => void stub.close().then(() => resolve(exitInfo(137))),
    };
  } catch (e) {
    o.stderr(`session stub failed to listen on ${o.podIP}:${port}: ${(e as Error).message}\n`);
    resolve(exitInfo(1));
    return { mode: "stub", exited, stop: () => {}, kill: () => {} };
  }
}
