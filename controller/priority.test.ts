import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { lowerOwnPriority, type PriorityApi } from "./priority";

function fakeApi(start: Record<number, number>, failOn: number[] = []): PriorityApi & { nice: Record<number, number> } {
  const nice = { ...start };
  return {
    nice,
    threads: () => Object.keys(nice).map(Number),
    getPriority: (tid) => nice[tid]!,
    setPriority: (tid, p) => {
      if (failOn.includes(tid)) throw new Error("ESRCH: no such process");
      nice[tid] = p;
    },
  };
}

describe("lowerOwnPriority", () => {
  it("lowers every thread below the value and leaves those already at it or lower", () => {
    const api = fakeApi({ 100: 0, 101: 0, 102: 10, 103: 15 });
    expect(lowerOwnPriority(10, api)).toEqual({ lowered: 2, errors: [] });
    expect(api.nice).toEqual({ 100: 10, 101: 10, 102: 10, 103: 15 });
  });

  it("never raises a priority, and 0 leaves everything as it is", () => {
    const api = fakeApi({ 100: 5 });
    expect(lowerOwnPriority(0, api)).toEqual({ lowered: 0, errors: [] });
    expect(lowerOwnPriority(3, api).lowered).toBe(0);
    expect(api.nice).toEqual({ 100: 5 });
  });

  it("collects a thread's error and goes on with the others", () => {
    const api = fakeApi({ 100: 0, 101: 0, 102: 0 }, [101]);
    const r = lowerOwnPriority(10, api);
    expect(r.lowered).toBe(2);
    expect(r.errors).toEqual(["thread 101: ESRCH: no such process"]);
    expect(api.nice).toEqual({ 100: 10, 101: 0, 102: 10 });
  });

  it("refuses a value outside 0–19", () => {
    expect(() => lowerOwnPriority(20, fakeApi({}))).toThrow(/0 to 19/);
    expect(() => lowerOwnPriority(-1, fakeApi({}))).toThrow(/0 to 19/);
  });
});

// The real thing, in a child process (a nice value cannot be raised back without privileges):
// every thread's nice read back from /proc, the kernel's own account.
const script = `
import { readdirSync, readFileSync } from "node:fs";
import { lowerOwnPriority } from "./controller/priority.ts";
const r = lowerOwnPriority(Number(process.argv[1]));
// A thread started after the call inherits the value.
await new Promise((res) => setTimeout(res, 10));
const nice = readdirSync("/proc/self/task").map((t) => Number(readFileSync("/proc/self/task/" + t + "/stat", "utf8").split(") ")[1].split(" ")[16]));
console.log(JSON.stringify({ ...r, nice }));
`;

describe.runIf(existsSync("/proc/self/task"))("lowerOwnPriority on Linux", () => {
  it("lowers every thread of the process, as the kernel reports it", () => {
    const out = JSON.parse(execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script, "7"], { encoding: "utf8" })) as { lowered: number; errors: string[]; nice: number[] };
    expect(out.errors).toEqual([]);
    expect(out.lowered).toBeGreaterThan(1);
    expect(out.nice.length).toBe(out.lowered);
    expect(new Set(out.nice)).toEqual(new Set([7]));
  });

  it.runIf(existsSync("/usr/bin/nice"))("leaves a process started at a lower priority where it is", () => {
    const out = JSON.parse(execFileSync("/usr/bin/nice", ["-n", "12", process.execPath, "--import", "tsx", "--input-type=module", "-e", script, "7"], { encoding: "utf8" })) as { lowered: number; nice: number[] };
    expect(out.lowered).toBe(0);
    expect(new Set(out.nice)).toEqual(new Set([12]));
  });
});
