import { describe, expect, it } from "vitest";
import { createGate } from "@/lib/sessions/spawn-gate";

/** A task that runs until released, recording when it started. */
function task(log: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((r) => (release = r));
  return { release, fn: async () => { log.push(name); await done; return name; } };
}
const tick = () => new Promise((r) => setImmediate(r));

describe("spawn gate", () => {
  it("runs at most `limit` at once; the others start in arrival order as slots free up", async () => {
    const gate = createGate(2);
    const started: string[] = [];
    const tasks = ["a", "b", "c", "d"].map((n) => task(started, n));
    const results = tasks.map((t) => gate.run(t.fn));
    await tick();
    expect(started).toEqual(["a", "b"]);
    expect(gate.waiting).toBe(2);
    tasks[1]!.release();
    await tick();
    expect(started).toEqual(["a", "b", "c"]);
    tasks[0]!.release();
    await tick();
    expect(started).toEqual(["a", "b", "c", "d"]);
    expect(gate.waiting).toBe(0);
    tasks[2]!.release();
    tasks[3]!.release();
    expect(await Promise.all(results)).toEqual(["a", "b", "c", "d"]);
  });

  it("frees the slot of a task that throws, and passes the error on", async () => {
    const gate = createGate(1);
    const failing = gate.run(async () => { throw new Error("cluster down"); });
    const next = gate.run(async () => "ran");
    await expect(failing).rejects.toThrow("cluster down");
    expect(await next).toBe("ran");
    // Nothing left holding the slot: a third runs at once.
    expect(await gate.run(async () => 3)).toBe(3);
  });

  it("refuses a limit that is not a positive integer", () => {
    expect(() => createGate(0)).toThrow(/positive integer/);
    expect(() => createGate(1.5)).toThrow(/positive integer/);
  });
});
