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
  const perfOrigin = performance.now();
  // Sub-millisecond wall time: with a large scale, Date.now()'s 1 ms steps are whole simulated seconds.
  const now = () => origin + (performance.now() - perfOrigin) * scale;
  const after = (simMs: number, fn: () => void) => {
    const target = now() + Math.max(0, simMs);
    let t: NodeJS.Timeout;
    // Node timers may fire up to ~1 ms early (libuv's cached loop time), so re-arm until the
    // simulated deadline has really passed: a sleep of N simulated ms never ends sooner.
    const arm = () => {
      const left = (target - now()) / scale;
      if (left <= 0) return fn();
      t = setTimeout(arm, Math.min(Math.max(left, 1), maxTimeout));
    };
    const first = Math.max(0, simMs) / scale;
    t = setTimeout(arm, Math.min(first, maxTimeout));
    return () => clearTimeout(t);
  };
  return {
    scale,
    now,
    sleep: (simMs) => new Promise<void>((resolve) => void after(simMs, resolve)),
    after,
  };
}
