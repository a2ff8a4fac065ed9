import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { seedUser, testPrisma, uniqueSuffix } from "@/test/db";
import { deleteBudget, listBudgets, saveBudget } from "@/lib/budgets/manage-budgets";

const db = testPrisma();

describe("budgets: admin edits", () => {
  it("saves (upsert per group and profile), lists with this month's use, deletes, audits", async () => {
    const admin = await seedUser({ roles: ["admin"] });
    const group = `grp-${uniqueSuffix()}`;
    await saveBudget(db, admin, { group, profileKey: "*", monthlyGpuHours: "120", userCap: "" });
    const b = await saveBudget(db, admin, { group, profileKey: "*", monthlyGpuHours: "150.5", userCap: "40" });
    const listed = (await listBudgets(db)).budgets.filter((x) => x.group === group);
    expect(listed).toMatchObject([{ id: b.id, monthlyGpuHours: 150.5, userCap: 40, used: 0, percent: 0 }]);
    await deleteBudget(db, admin, b.id);
    expect((await listBudgets(db)).budgets.some((x) => x.group === group)).toBe(false);
    expect(await db.auditLog.count({ where: { targetId: b.id, action: { in: ["budget.save", "budget.delete"] } } })).toBe(3);
  });

  it.each([
    [{ group: "g", monthlyGpuHours: "-1" }, "monthlyGpuHours", /number of hours ≥ 0/],
    [{ group: "g", monthlyGpuHours: "lots" }, "monthlyGpuHours", /number of hours/],
    [{ group: "g", monthlyGpuHours: "" }, "monthlyGpuHours", /required/],
    [{ group: "", monthlyGpuHours: "1" }, "group", /required/],
    [{ group: "g", monthlyGpuHours: "10", userCap: "x" }, "userCap", /number of hours/],
  ])("rejects %j naming %s", async (input, field, message) => {
    const admin = await seedUser({ roles: ["admin"] });
    const err = await saveBudget(db, admin, input).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZodError);
    expect((err as ZodError).issues.find((i) => i.path[0] === field)?.message).toMatch(message);
  });

  it("rejects an unknown profile and a cap above the budget", async () => {
    const admin = await seedUser({ roles: ["admin"] });
    await expect(saveBudget(db, admin, { group: "g", profileKey: "nope", monthlyGpuHours: "1" })).rejects.toMatchObject({ details: { fields: { profileKey: "unknown GPU profile nope" } } });
    await expect(saveBudget(db, admin, { group: "g", monthlyGpuHours: "1", userCap: "2" })).rejects.toMatchObject({ details: { fields: { userCap: expect.any(String) } } });
  });
});
