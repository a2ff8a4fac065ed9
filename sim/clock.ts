import type { SimClock } from "./store/types";

/**
 * Simulated time (SIM_TIME_SCALE): simulated time runs `scale` times faster than wall time, starting
 * at the wall-clock instant the clock was created, so timestamps stay close to real ones and
 * durations (pull delays, job scripts, grace periods) shrink by `scale`.
 */
export function createClock(scale: number): SimClock {
  if (!Number.isFinite(scale) || scale <= 0) throw new Error(`time scale must be a positive number, got ${scale}`);
  const origin = Date.now();
  const toReal = (simMs: number) => Math.max(0, simMs / scale);
  return {
    scale,
    now: () => origin + (Date.now() - origin) * scale,
    sleep: (simMs) => new Promise((resolve) => setTimeout(resolve, toReal(simMs))),
    after: (simMs, fn) => {
      const t = setTimeout(fn, toReal(simMs));
      return () => clearTimeout(t);
    },
  };
}
