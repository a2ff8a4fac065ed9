import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { seedUser, testPrisma, uniqueSuffix } from "@/test/db";
import { assertWithinBudget } from "@/lib/budgets/assert-within-budget";
import { waitFor } from "@/lib/sessions/test-support/wait-for";

// Real PostgreSQL: which requests take the per-group budget lock. Another transaction holds the
// group's lock; a request that must not take it completes anyway, one that must take it waits.
const db = testPrisma();

/** Holds `ai-hub:budget:<group>` in its own transaction until release() is called. */
async function holdGroupLock(group: string): Promise<{ release: () => Promise<void> }> {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let locked!: () => void;
  const isLocked = new Promise<void>((r) => (locked = r));
  const tx = db.$transaction(async (t) => {
    await t.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`ai-hub:budget:${group}`}))`;
    locked();
    await released;
  }, { timeout: 60_000 });
  await isLocked;
  return { release: async () => { release(); await tx; } };
}

const chargeOf = (sourceId: string) => db.usageCharge.findUnique({ where: { source_sourceId: { source: "session", sourceId } } });
/** Backends waiting for the group's budget lock (pg_locks splits the bigint key into classid/objid). */
const lockWaiters = async (group: string) =>
  Number(
    (
      await db.$queryRaw<Array<{ n: bigint }>>`
        SELECT count(*) AS n FROM pg_locks
        WHERE locktype = 'advisory' AND NOT granted
          AND ((classid::bigint << 32) | objid::bigint) = hashtext(${`ai-hub:budget:${group}`})::bigint`
    )[0]!.n,
  );

describe("budgets: assertWithinBudget locking", () => {
  const cases = [
    { name: "GPU request, group without a budget", budget: false, gpus: 1 },
    { name: "CPU-only request, group with a budget", budget: true, gpus: 0 },
  ];
  for (const c of cases) {
    it(`does not take the group lock: ${c.name}; the charged group is still recorded`, async () => {
      const u = await seedUser({ groups: [`grp-${uniqueSuffix()}`] });
      const group = u.groups[0]!;
      if (c.budget) await db.budget.create({ data: { group, profileKey: "*", monthlyGpuHours: 10, createdBy: "test" } });
      const held = await holdGroupLock(group);
      try {
        const id = randomUUID();
        const r = await db.$transaction((tx) =>
          assertWithinBudget(tx, { userId: u.id, profileKey: c.gpus ? "mig-1g.10gb" : null, requestedGpus: c.gpus, charge: { source: "session", sourceId: id } }),
        );
        expect(r).toEqual({ group, decision: { kind: "allowed" } });
        expect(await chargeOf(id)).toMatchObject({ groupCharged: group });
      } finally {
        await held.release();
      }
    });
  }

  it("a GPU request of a budgeted group waits for the group lock (the budget guarantee holds)", async () => {
    const u = await seedUser({ groups: [`grp-${uniqueSuffix()}`] });
    const group = u.groups[0]!;
    await db.budget.create({ data: { group, profileKey: "mig-1g.10gb", monthlyGpuHours: 10, createdBy: "test" } });
    const held = await holdGroupLock(group);
    const id = randomUUID();
    let done = false;
    const attempt = db
      .$transaction((tx) => assertWithinBudget(tx, { userId: u.id, profileKey: "mig-1g.10gb", requestedGpus: 1, charge: { source: "session", sourceId: id } }), { timeout: 60_000 })
      .finally(() => (done = true));
    await waitFor("the budget check waiting for the group lock", async () => (await lockWaiters(group)) > 0);
    expect(done).toBe(false);
    await held.release();
    expect(await attempt).toEqual({ group, decision: { kind: "allowed" } });
    expect(await chargeOf(id)).toMatchObject({ groupCharged: group });
  });

  it("the chosen group must be one of the user's (400 naming chargeGroup)", async () => {
    const u = await seedUser({ groups: [`grp-${uniqueSuffix()}`] });
    await expect(db.$transaction((tx) => assertWithinBudget(tx, { userId: u.id, userGroups: u.groups, group: "not-mine", profileKey: null, requestedGpus: 0 }))).rejects.toMatchObject({
      code: "INVALID",
      details: { fields: { chargeGroup: expect.stringContaining("not a member of group not-mine") } },
    });
  });
});
