import { describe, it, expect } from "vitest";
import { jobWorkloadName, podWorkloadName, workloadNameForOwner } from "./workload-name";

describe("workloadNameForOwner", () => {
  // The examples of Kueue's pending_workloads_on_demand.md (reference §1.8).
  it.each([
    ["sample-job-z8sc5", "7086b1bb-39b7-42e5-9f6b-ee07d0100051", "job-sample-job-z8sc5-223e8"],
    ["sample-job-2mfzb", "51ae8e48-8785-4bbb-9811-f9c1f041b368", "job-sample-job-2mfzb-28f54"],
    ["sample-job-dpggt", "870655da-07d5-4910-be99-7650bf89b0d2", "job-sample-job-dpggt-3ecac"],
  ])("names Job %s (uid %s) %s", (name, uid, expected) => {
    expect(jobWorkloadName(name, uid)).toBe(expected);
  });

  it("prefixes plain pods with pod- and hashes kind Pod with the empty group", () => {
    const n = podWorkloadName("jupyter-alice", "uid-1");
    expect(n).toMatch(/^pod-jupyter-alice-[0-9a-f]{5}$/);
    expect(n).toBe(workloadNameForOwner("Pod", "", "jupyter-alice", "uid-1"));
    expect(n).not.toBe(workloadNameForOwner("Pod", "core", "jupyter-alice", "uid-1"));
  });

  it("cuts long prefixes to 247 characters before the hash", () => {
    const n = jobWorkloadName("x".repeat(300), "u");
    expect(n.length).toBe(247 + 6);
    expect(n.startsWith("job-xxx")).toBe(true);
  });
});
