import { describe, expect, it } from "vitest";
import type { BatchJob } from "@/lib/generated/prisma/client";
import type { BatchState, StateView } from "@/lib/batch/job-state";
import type { V1Pod } from "@kubernetes/client-node";
import { intervalWouldChange, jobRunSpan, jobStateWouldChange, type JobObservationInput } from "@/lib/batch/apply-job-observation";

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
    ["ends never seen running (ran between two observations): its pods may show a run", row("admitted"), view("succeeded"), true],
    ["fails while queued: checked too (no pod ran, so nothing is written)", row("queued"), view("failed"), true],
  ] as const)("%s", (_name, r, v, expected) => {
    expect(intervalWouldChange(obs(r), v)).toBe(expected);
  });
});

const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 10, 0, s));
const pod = (containers: Array<{ running?: number; started?: number; finished?: number }>, deleting = false) =>
  ({
    metadata: { name: "p", ...(deleting ? { deletionTimestamp: t(99) } : {}) },
    status: {
      containerStatuses: containers.map((c) => ({
        name: "job",
        state:
          c.running !== undefined ? { running: { startedAt: t(c.running) } }
          : c.finished !== undefined ? { terminated: { exitCode: 0, ...(c.started !== undefined ? { startedAt: t(c.started) } : {}), finishedAt: t(c.finished) } }
          : { waiting: { reason: "ContainerCreating" } },
      })),
    },
  }) as unknown as V1Pod;

describe("jobRunSpan: when a job's pods ran, from their container states", () => {
  it.each([
    ["no pods", [], false, null, null],
    ["pods not started yet", [pod([{}])], false, null, null],
    ["running: earliest start, no end", [pod([{ running: 5 }]), pod([{ running: 3 }])], false, t(3), null],
    ["one finished, one running: no end yet", [pod([{ started: 2, finished: 8 }]), pod([{ running: 4 }])], false, t(2), null],
    ["all finished: earliest start, latest finish", [pod([{ started: 2, finished: 8 }]), pod([{ started: 3, finished: 11 }])], false, t(2), t(11)],
    ["a pod that never started does not hold the end back", [pod([{ started: 2, finished: 8 }]), pod([{}])], false, t(2), t(8)],
    ["a deleting pod (earlier run) is left out when asked", [pod([{ started: 1, finished: 2 }], true), pod([{ running: 6 }])], false, t(6), null],
    ["…and counted when not", [pod([{ started: 1, finished: 2 }], true), pod([{ running: 6 }])], true, t(1), null],
  ] as const)("%s", (_name, pods, includeDeleting, start, end) => {
    expect(jobRunSpan([...pods], includeDeleting)).toEqual({ start, end });
  });
});
