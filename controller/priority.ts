/**
 * The controller's work is background reconciliation: observing pods and Workloads, writing session
 * state, culling. Where it shares a host's cores with the web (`npm run dev`, docker-compose, a
 * single-node install), a burst of spawns should not wait behind it: the controller lowers its own
 * CPU priority (nice) at start, so the kernel runs user-facing requests first and the controller's
 * queued work catches up, coalesced, right after. It never raises a priority, and an unprivileged
 * process may always lower its own. In Kubernetes, where the controller has its own pod and CPU
 * request, nice only orders threads within that pod, so it changes nothing there.
 *
 * On Linux a nice value belongs to a thread, not a process: every thread in /proc/self/task is
 * lowered (the JavaScript thread, V8's and libuv's), and threads started later inherit it.
 */
import os from "node:os";
import { readdirSync } from "node:fs";

export interface PriorityApi {
  getPriority(pid: number): number;
  setPriority(pid: number, priority: number): void;
  threads(): number[];
}

const realApi: PriorityApi = {
  getPriority: (pid) => os.getPriority(pid),
  setPriority: (pid, priority) => os.setPriority(pid, priority),
  threads: () => {
    try {
      return readdirSync("/proc/self/task").map(Number).filter((n) => Number.isInteger(n) && n > 0);
    } catch {
      // Not Linux: the process's priority is the process's.
      return [0];
    }
  },
};

/**
 * Lowers every thread of this process to `nice` (0–19) unless it already runs at that or lower.
 * Returns the threads changed; errors (a thread gone meanwhile, a platform without priorities)
 * are collected and returned, never thrown: a controller at normal priority still works.
 */
export function lowerOwnPriority(nice: number, api: PriorityApi = realApi): { lowered: number; errors: string[] } {
  if (!Number.isInteger(nice) || nice < 0 || nice > 19) throw new RangeError(`nice must be an integer from 0 to 19, got ${nice}`);
  const errors: string[] = [];
  let lowered = 0;
  if (nice === 0) return { lowered, errors };
  for (const tid of api.threads()) {
    try {
      if (api.getPriority(tid) >= nice) continue;
      api.setPriority(tid, nice);
      lowered++;
    } catch (e) {
      errors.push(`thread ${tid}: ${(e as Error).message}`);
    }
  }
  return { lowered, errors };
}
