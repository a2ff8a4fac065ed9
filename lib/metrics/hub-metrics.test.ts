import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { seedUser, testPrisma } from "@/test/db";
import { openUsageRecord } from "@/lib/accounting/usage-store";
import { createHubRegistry, metricsAuthorised } from "@/lib/metrics/hub-metrics";

describe("metrics: AI Hub's own /metrics", () => {
  it("exposes sessions, jobs, open usage records, reconcile lag and the spawn histogram from the database", async () => {
    const db = testPrisma();
    const u = await seedUser();
    await openUsageRecord(db, { userId: u.id, source: "job", sourceId: randomUUID(), startedAt: new Date(Date.now() - 60_000), profileKey: "mig-1g.10gb", gpuModel: null, gpuCount: 1, weight: 0.125, cpu: 1, memoryGiB: 1 });
    const registry = createHubRegistry(() => db);
    const text = await registry.metrics();
    expect(text).toContain("# TYPE aihub_running_sessions gauge");
    expect(text).toMatch(/aihub_usage_records_open\{source="job"\} [1-9]/);
    expect(text).toMatch(/aihub_controller_reconcile_lag_seconds \d/);
    expect(text).toContain("# TYPE aihub_server_spawn_duration_seconds histogram");
    expect(text).toMatch(/aihub_total_users [1-9]/);
    // Scraped twice: the histogram is rebuilt, not accumulated.
    const again = await registry.metrics();
    expect(again.match(/aihub_server_spawn_duration_seconds_count\{[^}]*\} (\d+)/g)).toEqual(text.match(/aihub_server_spawn_duration_seconds_count\{[^}]*\} (\d+)/g));
  });

  it.each([
    ["Bearer s3cret-token-0123456789", true],
    ["Bearer wrong", false],
    ["s3cret-token-0123456789", false],
    [null, false],
  ])("authorises %j → %s", (header, ok) => {
    expect(metricsAuthorised(header, "s3cret-token-0123456789")).toBe(ok);
  });
});
