import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { AddressInfo } from "node:net";
import { stringify as toYaml } from "yaml";
import { registerBuiltins } from "./api/builtin-resources";
import { createApiServer } from "./api/server";
import { servingCert } from "./api/tls";
import { createClock } from "./clock";
import { createLogger, type SimLogger } from "./log";
import { MemoryStore } from "./store/memory-store";
import { MemoryPodLogs } from "./store/pod-logs";
import type { PodLogs, SimContext, SimPart, Store } from "./store/types";
import { loadTopology } from "./topology/load";
import type { Topology } from "./topology/types";

export interface StartSimOptions {
  /** A parsed topology, a path to a YAML file, or undefined for sim/topology/default.yaml. */
  topology?: Topology | string;
  port?: number;
  host?: string;
  /** Simulated time runs this many times faster (default SIM_TIME_SCALE or 1). */
  timeScale?: number;
  /** Where to write a kubeconfig for this simulator. */
  kubeconfigPath?: string;
  /** Bearer token clients must send (random by default). */
  token?: string;
  /** Objects are loaded from and saved to this JSON file (for `npm run dev` restarts). */
  stateFile?: string;
  log?: SimLogger;
  /**
   * Which controllers to run (default both). Tests of the API server alone pass [] so nothing but
   * the test changes objects.
   */
  parts?: ("runtime" | "kueue")[];
}

export interface RunningSim {
  url: string;
  token: string;
  /** PEM of the self-signed certificate the server presents (the CA clients must trust). */
  caCert: string;
  kubeconfigPath?: string;
  store: Store;
  /** Container logs (the kubelet writes them; tests may too). */
  logs: PodLogs;
  /** Requests served so far. */
  requestCount(): number;
  /** Ends every open watch stream, as an API server restart does (tests of re-watch and 410). */
  closeWatches(): void;
  stop(): Promise<void>;
}

export function kubeconfigYaml(url: string, token: string, caPem: string): string {
  return toYaml({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "ai-hub-sim", cluster: { server: url, "certificate-authority-data": Buffer.from(caPem).toString("base64") } }],
    users: [{ name: "ai-hub-sim", user: { token } }],
    contexts: [{ name: "ai-hub-sim", context: { cluster: "ai-hub-sim", user: "ai-hub-sim", namespace: "default" } }],
    "current-context": "ai-hub-sim",
    preferences: {},
  });
}

/** Starts the simulated cluster: API server, runtime (scheduler, kubelet, jobs) and Kueue. */
export async function startSim(opts: StartSimOptions = {}): Promise<RunningSim> {
  const log = opts.log ?? createLogger((process.env.SIM_LOG_LEVEL as "info" | undefined) ?? "warn");
  const topology = typeof opts.topology === "object" ? opts.topology : loadTopology(opts.topology);
  const scale = opts.timeScale ?? (process.env.SIM_TIME_SCALE ? Number(process.env.SIM_TIME_SCALE) : 1);
  const clock = createClock(scale);
  const store = new MemoryStore({ now: clock.now, onHandlerError: (err) => log.error("watch handler failed", { err: err instanceof Error ? err.stack : String(err) }) });
  registerBuiltins(store);
  const logs = new MemoryPodLogs(clock.now);
  const token = opts.token ?? randomBytes(24).toString("base64url");
  const tls = servingCert();
  const api = createApiServer({ store, logs, token, now: clock.now, log, tls });
  const ctx: SimContext = { store, logs, clock, topology, log, registerRoute: api.registerRoute };

  // Logs live as long as their pod.
  store.watch("pods", (ev) => {
    if (ev.type === "DELETED") logs.remove(ev.object.metadata.namespace!, ev.object.metadata.name!);
  }, { raw: true });

  const parts: SimPart[] = [];
  // Kueue registers its types first so a restored state file can hold its objects too.
  const enabled = opts.parts ?? ["runtime", "kueue"];
  // Imported on demand so an API-only simulator does not load the controllers at all.
  if (enabled.includes("kueue")) parts.push(await (await import("./kueue")).startKueue(ctx));
  if (opts.stateFile && existsSync(opts.stateFile)) {
    store.restore(JSON.parse(readFileSync(opts.stateFile, "utf8")));
  }
  for (const name of ["default", "kube-system", "kube-public", "kube-node-lease"]) {
    if (!store.getRaw("namespaces", undefined, name)) store.create("namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name } });
  }
  if (enabled.includes("runtime")) parts.unshift(await (await import("./runtime")).startRuntime(ctx));

  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    api.server.once("error", reject);
    api.server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = api.server.address() as AddressInfo;
  const url = `https://${host.includes(":") ? `[${host}]` : host}:${port}`;
  if (opts.kubeconfigPath) {
    mkdirSync(dirname(opts.kubeconfigPath), { recursive: true });
    writeFileSync(opts.kubeconfigPath, kubeconfigYaml(url, token, tls.cert), { mode: 0o600 });
  }
  log.info("simulator ready", { url, nodes: topology.nodes.length, timeScale: scale });

  let stopped: Promise<void> | undefined;
  return {
    url,
    token,
    caCert: tls.cert,
    kubeconfigPath: opts.kubeconfigPath,
    store,
    logs,
    requestCount: () => api.requestCount,
    closeWatches: () => api.closeWatches(),
    stop: () =>
      (stopped ??= (async () => {
        for (const p of parts) await p.stop();
        api.server.closeAllConnections();
        await new Promise<void>((resolve) => api.server.close(() => resolve()));
        if (opts.stateFile) {
          const tmp = `${opts.stateFile}.tmp`;
          writeFileSync(tmp, JSON.stringify(store.dump()));
          renameSync(tmp, opts.stateFile);
        }
      })()),
  };
}
