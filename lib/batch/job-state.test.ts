import { describe, expect, it } from "vitest";
import { humanPending, jobState, type JobObservation, type StateInput } from "@/lib/batch/job-state";
import type { KueueCondition } from "@/lib/kube/kueue-types";

const c = (type: string, status: "True" | "False", reason: string, message = ""): KueueCondition => ({ type, status, reason, message });
const wl = (...conditions: KueueCondition[]) => ({ status: { conditions } });
const job = (over: Partial<JobObservation> = {}): JobObservation => ({ suspended: true, active: 0, ready: 0, succeeded: 0, failed: 0, conditions: [], ...over });

const PENDING = "couldn't assign flavors to pod set main: insufficient unused quota for nvidia.com/mig-1g.10gb in flavor mig-1g.10gb, 1 more needed";
const PREEMPT_MSG = "Preempted to accommodate a workload (UID: u1, JobUID: j1) due to reclamation within the cohort";
const admitted = [c("QuotaReserved", "True", "QuotaReserved", "Quota reserved in ClusterQueue batch"), c("Admitted", "True", "Admitted", "The workload is admitted")];

const table: Array<[string, StateInput, { state: string; reason: string | null; message: RegExp; exitCode?: number | null }]> = [
  ["no workload yet", { job: job(), workload: null }, { state: "submitted", reason: "Submitted", message: /waiting for Kueue/ }],
  ["pending on quota, with position", { job: job(), workload: wl(c("QuotaReserved", "False", "Pending", PENDING)), queuePosition: 2 }, { state: "queued", reason: "Pending", message: /every nvidia.com\/mig-1g.10gb of mig-1g.10gb is in use \(1 more needed\)\. Position 3/ }],
  ["inadmissible: missing LocalQueue", { job: job(), workload: wl(c("QuotaReserved", "False", "Inadmissible", "LocalQueue batch doesn't exist")) }, { state: "queued", reason: "Inadmissible", message: /not set up/ }],
  ["admitted, pods not yet active", { job: job({ suspended: false }), workload: wl(...admitted) }, { state: "admitted", reason: "Admitted", message: /Admitted by Kueue/ }],
  ["running", { job: job({ suspended: false, active: 3, succeeded: 1 }), workload: wl(...admitted) }, { state: "running", reason: "Running", message: /3 trials active, 1 finished/ }],
  [
    "preempted by an interactive session, pods still stopping",
    { job: job({ suspended: true, active: 1 }), workload: wl(...admitted, c("Evicted", "True", "Preempted", PREEMPT_MSG), c("Preempted", "True", "InCohortReclamation", PREEMPT_MSG)) },
    { state: "preempted", reason: "InCohortReclamation", message: /interactive session needed the GPUs/ },
  ],
  [
    "preempted within the queue",
    { job: job(), workload: wl(...admitted, c("Evicted", "True", "Preempted", "…due to prioritization in the ClusterQueue"), c("Preempted", "True", "InClusterQueue", "…")) },
    { state: "preempted", reason: "InClusterQueue", message: /higher-priority batch job/ },
  ],
  [
    "requeued after preemption",
    {
      job: job(),
      workload: wl(
        c("QuotaReserved", "False", "Pending", PREEMPT_MSG),
        c("Admitted", "False", "NoReservation", "The workload has no reservation"),
        c("Evicted", "True", "Preempted", PREEMPT_MSG),
        c("Preempted", "True", "InCohortReclamation", PREEMPT_MSG),
        c("Requeued", "True", "Preempted", PREEMPT_MSG),
      ),
      queuePosition: 0,
    },
    { state: "queued", reason: "InCohortReclamation", message: /^Queued again after it was preempted \(an interactive session.*Position 1/ },
  ],
  [
    "re-admitted: earlier eviction is history",
    { job: job({ suspended: false, active: 1 }), workload: wl(...admitted, c("Evicted", "False", "QuotaReserved", `Previously: ${PREEMPT_MSG}`), c("Preempted", "False", "QuotaReserved", "Previously: …")) },
    { state: "running", reason: "Running", message: /Running/ },
  ],
  ["evicted for PodsReadyTimeout", { job: job(), workload: wl(c("QuotaReserved", "False", "Pending", "x"), c("Evicted", "True", "PodsReadyTimeout", "x"), c("Requeued", "False", "PodsReadyTimeout", "x")) }, { state: "queued", reason: "PodsReadyTimeout", message: /Waiting to be queued again.*did not become ready/ }],
  ["succeeded", { job: job({ succeeded: 4, conditions: [c("Complete", "True", "CompletionsReached", "Reached expected number of succeeded pods")] }), workload: wl(...admitted, c("Finished", "True", "Succeeded", "x")) }, { state: "succeeded", reason: "CompletionsReached", message: /every trial exited with code 0/ }],
  ["success criteria met, last pods terminating", { job: job({ succeeded: 2, conditions: [c("SuccessCriteriaMet", "True", "CompletionsReached", "Reached expected number of succeeded pods")] }), workload: wl(...admitted) }, { state: "succeeded", reason: "CompletionsReached", message: /every trial/ }],
  ["deadline exceeded", { job: job({ conditions: [c("Failed", "True", "DeadlineExceeded", "Job was active longer than specified deadline")] }), workload: wl(...admitted), deadlineSeconds: 7200 }, { state: "failed", reason: "DeadlineExceeded", message: /time limit of 2 h/ }],
  ["backoff limit with exit code", { job: job({ failed: 1, conditions: [c("Failed", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit")] }), workload: null, exitCode: 3 }, { state: "failed", reason: "BackoffLimitExceeded", message: /exit code 3/, exitCode: 3 }],
  ["failure target before Failed", { job: job({ conditions: [c("FailureTarget", "True", "BackoffLimitExceeded", "x")] }), workload: null }, { state: "failed", reason: "BackoffLimitExceeded", message: /a trial exited with an error\./ }],
  ["workload FailedToStart", { job: job(), workload: wl(c("Finished", "True", "FailedToStart", "conflict")) }, { state: "failed", reason: "FailedToStart", message: /could not be started/ }],
  ["cancelled wins over everything", { job: job({ active: 2 }), workload: wl(...admitted), cancelled: true }, { state: "cancelled", reason: "Cancelled", message: /Cancelled/ }],
];

describe("batch: state mapping from Workload and Job conditions", () => {
  it.each(table)("%s", (_name, input, want) => {
    const got = jobState(input);
    expect(got.state).toBe(want.state);
    expect(got.reason).toBe(want.reason);
    expect(got.message).toMatch(want.message);
    if (want.exitCode !== undefined) expect(got.exitCode).toBe(want.exitCode);
  });

  it("keeps Kueue's original message as detail", () => {
    expect(jobState({ job: job(), workload: wl(c("QuotaReserved", "False", "Pending", PENDING)) }).detail).toBe(PENDING);
  });

  it.each([
    [`${PENDING}. Pending the preemption of 2 workload(s)`, /2 lower-priority job\(s\) are being stopped/],
    ["couldn't assign flavors to pod set main: insufficient quota for nvidia.com/gpu in flavor t4, request > maximum capacity (8 > 0)", /larger than anything/],
    ["ClusterQueue batch is inactive", /inactive/],
    [undefined, /Waiting for Kueue/],
  ])("pending message %s", (msg, want) => {
    expect(humanPending(msg)).toMatch(want);
  });
});
