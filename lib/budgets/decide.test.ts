import { describe, expect, it } from "vitest";
import { decideBudget, worstDecision, type BudgetLimit } from "@/lib/budgets/decide";

const group: BudgetLimit = { group: "atlas-ml", profileKey: null, monthlyGpuHours: 120, userCap: null };

describe("budgets: decideBudget", () => {
  it.each([
    ["well under the budget", 10, 1, "allowed"],
    ["exactly at 80 % warns", 96, 0.1, "warn"],
    ["just under 80 % is allowed", 95.9, 0.1, "allowed"],
    ["no room for the horizon is refused", 118, 1, "refused"],
    ["a fraction of a GPU still fits", 118, 1 / 7, "warn"],
    ["over the budget is refused", 130, 1 / 7, "refused"],
    ["a CPU-only request is never refused", 130, 0, "warn"],
  ])("%s", (_n, used, weightedGpus, kind) => {
    expect(decideBudget(group, { groupUsed: used, userUsed: 0 }, { weightedGpus, horizonHours: 4 }).kind).toBe(kind);
  });

  it("says who used how much of what", () => {
    const d = decideBudget(group, { groupUsed: 118, userUsed: 3 }, { weightedGpus: 1, horizonHours: 4 });
    expect(d).toEqual({ kind: "refused", message: expect.stringContaining("group atlas-ml has used 118 of 120 A100-hours this month") });
  });

  it("names the profile of a flavour budget", () => {
    const d = decideBudget({ ...group, profileKey: "mig-1g.10gb", monthlyGpuHours: 10 }, { groupUsed: 9.96, userUsed: 0 }, { weightedGpus: 1 / 7, horizonHours: 1 });
    expect(d.kind).toBe("refused");
    expect(d.kind === "refused" && d.message).toContain("has used 10 of 10 A100-hours on mig-1g.10gb");
  });

  it("refuses a user over their cap while the group has room", () => {
    const d = decideBudget({ ...group, userCap: 20 }, { groupUsed: 40, userUsed: 19.5 }, { weightedGpus: 1, horizonHours: 1 });
    expect(d).toMatchObject({ kind: "refused", message: expect.stringContaining("you have used 19.5 of your 20 A100-hours allowed in group atlas-ml") });
  });

  it("a zero budget refuses every GPU", () => {
    expect(decideBudget({ ...group, monthlyGpuHours: 0 }, { groupUsed: 0, userUsed: 0 }, { weightedGpus: 1 / 7, horizonHours: 1 }).kind).toBe("refused");
  });
});

describe("budgets: worstDecision", () => {
  it.each([
    [[], "allowed"],
    [[{ kind: "allowed" }, { kind: "warn", percent: 81, message: "w" }], "warn"],
    [[{ kind: "warn", percent: 81, message: "w" }, { kind: "refused", message: "r" }, { kind: "allowed" }], "refused"],
  ] as const)("%j → %s", (ds, kind) => {
    expect(worstDecision(ds).kind).toBe(kind);
  });
});
