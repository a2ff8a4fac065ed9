import { describe, it, expect } from "vitest";
import { createClock } from "./clock";

describe("createClock", () => {
  it("runs simulated time faster by the scale and rejects nonsense scales", async () => {
    const clock = createClock(1000);
    const t0 = clock.now();
    await clock.sleep(2000); // 2 simulated seconds = 2 real ms
    expect(clock.now() - t0).toBeGreaterThanOrEqual(2000);
    expect(() => createClock(0)).toThrow(/positive/);
  });

  it("never ends a sleep before the simulated deadline, even when timers fire early", async () => {
    const clock = createClock(5000);
    for (let i = 0; i < 50; i++) {
      const t0 = clock.now();
      await clock.sleep(3000);
      expect(clock.now() - t0).toBeGreaterThanOrEqual(3000);
    }
  });

  it("does not fire a wait longer than setTimeout's limit at once", async () => {
    const clock = createClock(1);
    let fired = false;
    const cancel = clock.after(40 * 24 * 3600 * 1000, () => (fired = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(fired).toBe(false);
    cancel();
  });
});
