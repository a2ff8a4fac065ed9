import type { SimClock } from "./store/types";

/** setTimeout's limit (about 24.8 days); longer waits are chained, or Node would fire them at once. */
const maxTimeout = 2 ** 31 - 1;

/**
 * Simulated time (SIM_TIME_SCALE): simulated time runs `scale` times faster than wall time, starting
 * at the wall-clock instant the clock was created, so timestamps stay close to real ones and
 * durations (pull delays, job scripts, grace periods) shrink by `scale`.
 */
export function createClock(scale: number): SimClock {
  if (!Number.isFinite(scale) || scale <= 0) throw new Error(`time scale must be a positive number, got ${scale}`);
  const origin = Date.now();
  const after = (simMs: number, fn: () => void) => {
    let remaining = Math.max(0, simMs / scale);
    let t: NodeJS.Timeout;
    const arm = () => {
      const step = Math.min(remaining, maxTimeout);
      remaining -= step;
      t = setTimeout(() => (remaining > 0 ? arm() : fn()), step);
    };
    arm();
    return () => clearTimeout(t);
  };
  return {
    scale,
    now: () => origin + (Date.now() - origin) * scale,
    sleep: (simMs) => new Promise<void>((resolve) => void after(simMs, resolve)),
    after,
  };
}
