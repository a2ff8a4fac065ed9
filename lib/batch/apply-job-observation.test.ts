import { describe, expect, it } from "vitest";
import type { BatchJob } from "@/lib/generated/prisma/client";
import type { BatchState, StateView } from "@/lib/batch/job-state";
import { intervalWouldChange, jobStateWouldChange, type JobObservationInput } from "@/lib/batch/apply-job-observation";

// The controller skips its transaction when these say nothing would be written: each case here is
// one where skipping would lose a state, an event or an accounting interval if they were wrong.

const row = (state: BatchState, extra: Partial<BatchJob> = {}) =>
  ({ state, stateReason: null, stateMessage: "m", queuePosition: null, exitCode: null, ...extra }) as BatchJob;
const obs = (r: BatchJob, queuePosition: number | null = null): JobObservationInput => ({ row: r, job: null, workload: null, pods: [], queuePosition, now: new Date() });
const view = (state: BatchState, extra: Partial<StateView> = {}): StateView => ({ state, reason: null, message: "m", detail: null, exitCode: null, ...extra });

describe("jobStateWouldChange", () => {
  it.each([
    ["same state, reason, message", row("admitted"), view("admitted"), null, false],
    ["new state", row("admitted"), view("running"), null, true],
    ["new reason", row("queued"), view("queued", { reason: "Pending" }), null, true],
    ["new message", row("running"), view("running", { message: "other" }), null, true],
    ["new queue position", row("queued", { queuePosition: 3 }), view("queued"), 2, true],
    ["same queue position", row("queued", { queuePosition: 2 }), view("queued"), 2, false],
    ["new exit code", row("running"), view("running", { exitCode: 1 }), null, true],
    ["a final row never changes", row("succeeded"), view("running"), null, false],
  ] as const)("%s → %s", (_name, r, v, position, expected) => {
    expect(jobStateWouldChange(obs(r, position), v)).toBe(expected);
  });
});

describe("intervalWouldChange", () => {
  it.each([
    ["starts running: open one", row("admitted"), view("running"), true],
    ["keeps running: the open one stays", row("running"), view("running"), false],
    ["stops running (preempted, finished): close it", row("running"), view("queued"), true],
    ["never ran: nothing", row("queued"), view("admitted"), false],
    ["cancelled by the web while running: may be open, check", row("cancelled"), view("cancelled"), true],
    ["finished row seen running late: nothing opens", row("succeeded"), view("running"), false],
  ] as const)("%s", (_name, r, v, expected) => {
    expect(intervalWouldChange(obs(r), v)).toBe(expected);
  });
});
