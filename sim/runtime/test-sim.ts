import { vi } from "vitest";
import { registerBuiltins } from "../api/builtin-resources";
import { createClock } from "../clock";
import { createLogger } from "../log";
import { MemoryStore } from "../store/memory-store";
import { MemoryPodLogs } from "../store/pod-logs";
import type { KubeObject, SimContext, SimPart } from "../store/types";
import { loadTopology } from "../topology/load";
import { startRuntime } from "./index";

// Generous limits for every test file using this helper: the suite must pass on a loaded 2-core
// machine, and tests wait on conditions (never fixed sleeps), so a long limit costs nothing when green.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

/** An in-process store + runtime for the runtime's tests (no HTTP server): the real store, clock and topology loader. */
export interface TestSim { ctx: SimContext; store: MemoryStore; logs: MemoryPodLogs; runtime: SimPart; stop(): Promise<void> }

export async function startTestSim(topologyYamlOrPath: string, scale = 100): Promise<TestSim> {
  const clock = createClock(scale);
  const store = new MemoryStore({ now: () => clock.now() });
  registerBuiltins(store);
  for (const name of ["default", "team"]) store.create("namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name } });
  const logs = new MemoryPodLogs(() => clock.now());
  const ctx: SimContext = { store, logs, clock, topology: loadTopology(topologyYamlOrPath), log: createLogger("error"), registerRoute: () => {} };
  const runtime = await startRuntime(ctx);
  return { ctx, store, logs, runtime, stop: () => runtime.stop() };
}

/** Resolves with fn()'s first truthy value, re-checking on every store write (coalesced), and every 50 ms for time-driven changes. */
export function waitFor<T>(store: MemoryStore, fn: () => T | undefined | false | null, what = "condition", timeoutMs = 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const unwatch: (() => void)[] = [];
    const done = (v: T) => {
      for (const u of unwatch) u();
      clearInterval(iv);
      clearTimeout(to);
      resolve(v);
    };
    const check = () => {
      try {
        const v = fn();
        if (v) done(v);
      } catch (e) {
        void e; // the object may not exist yet
      }
    };
    // Coalesced: a burst of writes costs one check, so large tests do not spend their time here.
    let queued = false;
    const soon = () => {
      if (queued) return;
      queued = true;
      setTimeout(() => {
        queued = false;
        check();
      }, 5);
    };
    for (const gr of ["pods", "batch/jobs", "events"]) unwatch.push(store.watch(gr, soon));
    const iv = setInterval(check, 50);
    const to = setTimeout(() => {
      for (const u of unwatch) u();
      clearInterval(iv);
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    check();
  });
}

export const pod = (name: string, spec: Record<string, unknown>, meta: Partial<KubeObject["metadata"]> = {}): KubeObject => ({
  apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default", ...meta }, spec,
});

export function condition(obj: KubeObject | undefined, type: string): { status: string; reason?: string; message?: string } | undefined {
  return (obj?.status?.conditions ?? []).find((c: { type: string }) => c.type === type);
}

export function events(store: MemoryStore, name: string): string[] {
  return store.list("events").filter((e) => (e.involvedObject as { name: string }).name === name).map((e) => `${e.reason as string}: ${e.message as string}`);
}

/** Every version of an object seen through the watch (so tests see states that pass quickly). */
export function history(store: MemoryStore, gr: string, name: string): { versions: KubeObject[]; deleted: () => boolean; stop: () => void } {
  const versions: KubeObject[] = [];
  let gone = false;
  const stop = store.watch(gr, (ev) => {
    if (ev.object.metadata.name !== name) return;
    versions.push(ev.object);
    if (ev.type === "DELETED") gone = true;
  });
  return { versions, deleted: () => gone, stop };
}
