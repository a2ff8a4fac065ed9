import { describe, expect, it } from "vitest";
import { MemoryPodLogs } from "./pod-logs";

describe("pod logs", () => {
  it("reads whole, tailed, since and timestamped", () => {
    let now = 1_000_000;
    const logs = new MemoryPodLogs(() => now);
    logs.append("ns", "p", "c", "one\ntw");
    logs.append("ns", "p", "c", "o\n");
    now += 10_000;
    logs.append("ns", "p", "c", "three\n");
    expect(logs.read("ns", "p", "c")).toBe("one\ntwo\nthree\n");
    expect(logs.read("ns", "p", "c", { tailLines: 2 })).toBe("two\nthree\n");
    expect(logs.read("ns", "p", "c", { sinceSeconds: 5 })).toBe("three\n");
    expect(logs.read("ns", "p", "c", { tailLines: 1, timestamps: true })).toBe(`${new Date(now).toISOString()} three\n`);
    expect(logs.read("ns", "other", "c")).toBe("");
  });

  it("follows until the container ends and stays bounded", () => {
    const logs = new MemoryPodLogs(Date.now, 100);
    const got: string[] = [];
    let ended = false;
    logs.follow("ns", "p", "c", (t) => got.push(t), () => (ended = true));
    logs.append("ns", "p", "c", "a\n");
    logs.end("ns", "p", "c");
    expect([got, ended]).toEqual([["a\n"], true]);
    for (let i = 0; i < 100; i++) logs.append("ns", "p", "c", `line ${i}\n`);
    const kept = logs.read("ns", "p", "c");
    expect(kept.length).toBeLessThanOrEqual(100);
    expect(kept.endsWith("line 99\n")).toBe(true);
  });
});
