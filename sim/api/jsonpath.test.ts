import { describe, expect, it } from "vitest";
import { jsonPathValue, jsonPathValues } from "./jsonpath";

const wl = {
  metadata: { name: "w", labels: { "kueue.x-k8s.io/queue-name": "q" } },
  status: {
    admission: { clusterQueue: "team" },
    conditions: [
      { type: "QuotaReserved", status: "True" },
      { type: "Admitted", status: "True", reason: "Admitted" },
      { type: "Finished", status: "False" },
    ],
    counts: [3, 4, 5],
  },
};

describe("jsonPathValue (printer-column JSONPath)", () => {
  it.each([
    [".status.admission.clusterQueue", "team"],
    [".status.conditions[?(@.type=='Admitted')].status", "True"],
    ['.status.conditions[?(@.type=="Finished")].status', "False"],
    [".status.conditions[?(@.type==\"Evicted\")].status", undefined],
    [".status.conditions[?(@.type!='QuotaReserved')].type", "Admitted"],
    [".status.conditions[?(@.reason)].type", "Admitted"],
    [".status.conditions[1].reason", "Admitted"],
    [".status.counts[-1]", 5],
    ["{.status.counts[0]}", 3],
    [".metadata.labels['kueue.x-k8s.io/queue-name']", "q"],
    [".spec.missing", undefined],
    [".status.conditions[?(@.type=~'x')]", undefined],
  ])("%s → %s", (path, want) => {
    expect(jsonPathValue(wl, path)).toEqual(want);
  });

  it("returns every match of a wildcard or filter", () => {
    expect(jsonPathValues(wl, ".status.conditions[*].type")).toEqual(["QuotaReserved", "Admitted", "Finished"]);
    expect(jsonPathValues(wl, ".status.conditions[?(@.status=='True')].type")).toEqual(["QuotaReserved", "Admitted"]);
  });
});
