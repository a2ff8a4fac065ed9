import { describe, expect, it } from "vitest";
import { seedUser, testPrisma, uniqueSuffix } from "@/test/db";
import { resolveChargeGroup, setDefaultChargeGroup } from "@/lib/accounting/charge-group";

const db = testPrisma();

describe("accounting: charged group", () => {
  it("chosen group, else the user's default, else their first group; never a group they are not in", async () => {
    const [a, b] = [`grp-a-${uniqueSuffix()}`, `grp-b-${uniqueSuffix()}`];
    const u = await seedUser({ groups: [a, b] });
    expect(await resolveChargeGroup(db, u)).toBe(a);
    await setDefaultChargeGroup(db, u, b);
    expect(await resolveChargeGroup(db, u)).toBe(b);
    expect(await resolveChargeGroup(db, u, a)).toBe(a);
    await expect(resolveChargeGroup(db, u, "other")).rejects.toMatchObject({ code: "INVALID", details: { fields: { chargeGroup: expect.stringContaining("not a member of group other") } } });
    await expect(setDefaultChargeGroup(db, u, "other")).rejects.toMatchObject({ code: "INVALID" });
    // A default the user has since left (IAM groups change at login) falls back to the first group.
    expect(await resolveChargeGroup(db, { id: u.id, groups: [a] })).toBe(a);
    expect(await resolveChargeGroup(db, { id: u.id, groups: [] })).toBe("unassigned");
  });
});
