import { randomUUID } from "node:crypto";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { seedUser, testPrisma, uniqueSuffix } from "@/test/db";
import { BudgetBanner } from "@/components/usage/budget-banner";

// The banner the spawn and usage pages render, against the real database: a group's budget, what
// the group has used this month (an open usage record, counted up to now), and the markup the
// server component returns. The pages render it as `<BudgetBanner userId group />`.

const db = testPrisma();

/**
 * A user in a fresh group that has used `hours` weighted GPU-hours this month: one record opened
 * a minute ago with the weight that makes a minute worth `hours` (so the month boundary never
 * splits it, except in the first minute of a month).
 */
async function groupWithUsage(hours: number, budget: number | null) {
  const group = `banner-${uniqueSuffix()}`;
  const user = await seedUser({ groups: [group] });
  const startedAt = new Date(Date.now() - 60_000);
  await db.usageRecord.create({
    data: { userId: user.id, groupCharged: group, profileKey: "mig-1g.10gb", gpuCount: 1, weight: hours * 60, cpu: 1, memoryGiB: 1, startedAt, lastSeenAt: startedAt, source: "session", sourceId: randomUUID() },
  });
  if (budget !== null) await db.budget.create({ data: { group, profileKey: "*", monthlyGpuHours: budget, createdBy: "test" } });
  return { user, group };
}

const render = async (userId: string, group: string) => {
  const el = await BudgetBanner({ userId, group });
  return el === null ? null : renderToStaticMarkup(el);
};

describe("BudgetBanner", () => {
  it("warns at 85 % of the group's monthly budget, with the numbers", async () => {
    const { user, group } = await groupWithUsage(8.5, 10);
    const html = await render(user.id, group);
    expect(html).toContain('role="status"');
    expect(html).toContain(`Budget: Group ${group} has used 8.5 of 10 A100-hours this month (8`);
    // The open record keeps counting while the test runs: 85 % plus a few seconds' worth.
    expect(Number(/\((\d+) %\)/.exec(html!)![1])).toBeGreaterThanOrEqual(85);
    expect(Number(/\((\d+) %\)/.exec(html!)![1])).toBeLessThan(90);
  });

  it("keeps warning past 100 % (the banner never refuses; spawning does)", async () => {
    const { user, group } = await groupWithUsage(12, 10);
    expect(await render(user.id, group)).toMatch(/has used 12(\.\d)? of 10 A100-hours this month \(12\d %\)/);
  });

  it("renders nothing below 80 %, or when the group has no budget", async () => {
    const below = await groupWithUsage(7, 10);
    expect(await render(below.user.id, below.group)).toBeNull();
    const unbudgeted = await groupWithUsage(50, null);
    expect(await render(unbudgeted.user.id, unbudgeted.group)).toBeNull();
  });

  it("counts only the group the banner is for", async () => {
    const { user, group } = await groupWithUsage(8.5, 10);
    const other = `banner-other-${uniqueSuffix()}`;
    await db.user.update({ where: { id: user.id }, data: { groups: [group, other] } });
    await db.budget.create({ data: { group: other, profileKey: "*", monthlyGpuHours: 10, createdBy: "test" } });
    expect(await render(user.id, other)).toBeNull();
    expect(await render(user.id, group)).toContain(group);
  });
});
