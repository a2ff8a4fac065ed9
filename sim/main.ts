import { parseArgs } from "node:util";
import { startSim } from "./index";

/** `npm run sim -- --port <port> --kubeconfig <file> [--topology <file>] [--time-scale N] [--state-file F]` */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "0" },
      host: { type: "string", default: "127.0.0.1" },
      kubeconfig: { type: "string" },
      topology: { type: "string" },
      "time-scale": { type: "string" },
      "state-file": { type: "string" },
      token: { type: "string" },
    },
    strict: true,
  });
  const port = Number(values.port);
  const timeScale = values["time-scale"] !== undefined ? Number(values["time-scale"]) : undefined;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, got ${values.port}`);
  if (timeScale !== undefined && !(timeScale > 0)) throw new Error(`--time-scale must be a positive number, got ${values["time-scale"]}`);
  const sim = await startSim({
    port,
    host: values.host,
    kubeconfigPath: values.kubeconfig,
    topology: values.topology,
    timeScale,
    stateFile: values["state-file"],
    token: values.token,
  });
  running = sim;
  if (pendingSignal) stop(pendingSignal);
  // Handlers are in place before this line: a parent may signal the moment it reads it.
  else console.log(`sim ready ${sim.url}`);
}

let running: Awaited<ReturnType<typeof startSim>> | undefined;
let pendingSignal: string | undefined;
let stopping = false;
function stop(signal: string): void {
  if (!running) {
    // Still starting: stop as soon as the parts are up, so nothing is left running.
    pendingSignal = signal;
    return;
  }
  if (stopping) return;
  stopping = true;
  running.stop().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(`sim: error while stopping on ${signal}:`, err);
      process.exit(1);
    },
  );
}
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGINT"));

main().catch((err: unknown) => {
  console.error(`sim: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
