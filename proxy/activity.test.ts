import { describe, expect, it } from "vitest";
import { ActivitySink } from "./activity";

describe("ActivitySink", () => {
  it("writes the latest time per session in one batch, and re-queues a failed batch", async () => {
    let now = 1_000;
    const batches: Map<string, Date>[] = [];
    let fail = true;
    const sink = new ActivitySink({
      now: () => now,
      flush: async (b) => {
        if (fail) throw new Error("database down");
        batches.push(b);
      },
    });
    sink.record("s1");
    now = 2_000;
    sink.record("s1");
    sink.record("s2");
    await sink.flush();
    expect(batches).toHaveLength(0);
    fail = false;
    await sink.flush();
    expect(batches).toHaveLength(1);
    expect([...batches[0]!].map(([k, d]) => [k, d.getTime()])).toEqual([
      ["s1", 2_000],
      ["s2", 2_000],
    ]);
    await sink.flush();
    expect(batches).toHaveLength(1); // nothing new, nothing written
    expect(sink.events).toBe(3);
  });
});
