import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { seedUser, testPrisma, uniqueSuffix } from "@/test/db";
import { closeUsageRecord, openUsageRecord } from "@/lib/accounting/usage-store";
import { parseUsageQuery } from "@/lib/accounting/usage-query";
import { usageCsv, usageReport } from "@/lib/accounting/usage-report";

const db = testPrisma();
const now = new Date("2026-03-10T12:00:00Z");

async function record(userId: string, startedAt: string, endedAt: string | null, o: { profileKey?: string; weight?: number; source?: "session" | "job"; gpuCount?: number } = {}) {
  const sourceId = randomUUID();
  await openUsageRecord(db, { userId, source: o.source ?? "session", sourceId, startedAt: new Date(startedAt), profileKey: o.profileKey ?? "mig-1g.10gb", gpuModel: null, gpuCount: o.gpuCount ?? 1, weight: o.weight ?? 0.125, cpu: 1, memoryGiB: 1 }, new Date(startedAt));
  if (endedAt) {
    const r = await db.usageRecord.findFirstOrThrow({ where: { sourceId } });
    await closeUsageRecord(db, r.id, new Date(endedAt), "test");
  }
}

describe("accounting: usage report", () => {
  it("sums rollups and open records by day, profile and source, across a month boundary", async () => {
    const group = `grp-${uniqueSuffix()}`;
    const u = await seedUser({ groups: [group] });
    const scope = { caller: { id: u.id, username: u.username, isAdmin: false } };
    // 8 slice-hours = 1 A100-hour, split 4/4 over the month boundary.
    await record(u.id, "2026-02-28T20:00:00Z", "2026-03-01T04:00:00Z");
    // A whole GPU (weight 1) for 2 h, as a job.
    await record(u.id, "2026-03-02T10:00:00Z", "2026-03-02T12:00:00Z", { profileKey: "a100", weight: 1, source: "job" });
    // Open since 06:00 today: 6 h up to now on 2 GPUs of weight 0.5.
    await record(u.id, "2026-03-10T06:00:00Z", null, { profileKey: "mig-3g.40gb", weight: 0.5, gpuCount: 2 });

    const byDay = await usageReport(db, parseUsageQuery(new URLSearchParams({ from: "2026-02-28", to: "2026-03-10", groupBy: "day", by: "profile" }), { now }), scope, now);
    expect(byDay.buckets).toHaveLength(11);
    const s = Object.fromEntries(byDay.series.map((x) => [x.key, x.values]));
    expect(s["mig-1g.10gb"]![0]).toBeCloseTo(0.5, 9);
    expect(s["mig-1g.10gb"]![1]).toBeCloseTo(0.5, 9);
    expect(s["a100"]![2]).toBeCloseTo(2, 9);
    expect(s["mig-3g.40gb"]![10]).toBeCloseTo(6, 9);
    expect(byDay.total).toBeCloseTo(9, 9);

    const byMonth = await usageReport(db, parseUsageQuery({ from: "2026-02-01", to: "2026-03-31", groupBy: "month", by: "source" }, { now }), scope, now);
    expect(byMonth.buckets).toEqual(["2026-02", "2026-03"]);
    const m = Object.fromEntries(byMonth.series.map((x) => [x.key, x.values]));
    expect(m.session![0]).toBeCloseTo(0.5, 9);
    expect(m.session![1]).toBeCloseTo(6.5, 9);
    expect(m.job).toEqual([0, 2]);

    const csv = usageCsv(byMonth, "A100-hours");
    expect(csv.split("\r\n").at(-2)).toBe("total,all,9.0000");
  });

  it("researchers see only themselves; admins everyone, filtered by user or group", async () => {
    const group = `grp-${uniqueSuffix()}`;
    const a = await seedUser({ groups: [group] });
    const b = await seedUser({ groups: [group] });
    await record(a.id, "2026-03-03T00:00:00Z", "2026-03-03T08:00:00Z");
    await record(b.id, "2026-03-03T00:00:00Z", "2026-03-03T16:00:00Z");
    const q = (p: Record<string, string>) => parseUsageQuery({ from: "2026-03-01", to: "2026-03-09", groupBy: "week", by: "user", ...p }, { now });

    const mine = await usageReport(db, q({}), { caller: { id: a.id, username: a.username, isAdmin: false } }, now);
    expect(mine.series.map((x) => x.label)).toEqual([a.username]);
    await expect(usageReport(db, q({ user: b.username }), { caller: { id: a.id, username: a.username, isAdmin: false } }, now)).rejects.toMatchObject({ code: "FORBIDDEN" });

    const admin = { caller: { id: a.id, username: a.username, isAdmin: true } };
    const all = await usageReport(db, q({ group }), admin, now);
    expect(all.series.map((x) => [x.label, x.total])).toEqual([[b.username, 2], [a.username, 1]]);
    expect(all.buckets).toEqual(["2026-02-23", "2026-03-02", "2026-03-09"]);
    // Not split by user: read from the per-group rollup, same figures.
    const byProfile = await usageReport(db, q({ group, by: "profile" }), admin, now);
    expect(byProfile.series.map((x) => [x.key, x.values])).toEqual([["mig-1g.10gb", [0, 3, 0]]]);
    await expect(usageReport(db, q({ user: "nobody-" + uniqueSuffix() }), admin, now)).rejects.toMatchObject({ code: "INVALID", details: { fields: { user: expect.stringContaining("no user named") } } });
    await expect(usageReport(db, q({ group: "no-such-group-" + uniqueSuffix() }), admin, now)).rejects.toMatchObject({ details: { fields: { group: expect.stringContaining("no group named") } } });
  });

  it.each([
    [{ from: "2026-03-10", to: "2026-03-01" }, "to", /must not be before from/],
    [{ from: "2026-01-01", to: "2026-12-31", groupBy: "day" }, "to", /range too long: at most 92 days by day/],
    [{ from: "2026-02-30", to: "2026-03-01" }, "from", /not a valid date/],
    [{ from: "yesterday", to: "2026-03-01" }, "from", /must be a date/],
    [{ from: "2026-03-01", to: "2026-03-02", by: "colour" }, "by", /./],
  ])("rejects %j naming %s", (params, field, message) => {
    try {
      parseUsageQuery(params as Record<string, string>, { now });
      expect.fail("accepted");
    } catch (e) {
      expect(e).toBeInstanceOf(ZodError);
      const issue = (e as ZodError).issues.find((i) => i.path[0] === field);
      expect(issue?.message).toMatch(message);
    }
  });
});
