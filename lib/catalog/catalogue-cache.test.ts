import { describe, expect, it } from "vitest";
import { testPrisma, uniqueSuffix } from "@/test/db";
import { findEnabledImage, findEnabledProfile, policiesOf } from "@/lib/catalog/catalogue-cache";

const db = testPrisma();

describe("catalogue cache", () => {
  it("concurrent reads of a cold image share one read, and later reads reuse it", async () => {
    const name = `Cached image ${uniqueSuffix()}`;
    await db.image.create({ data: { name, reference: "registry.invalid/cached:1", kind: "jupyterlab" } });
    const [a, b] = await Promise.all([findEnabledImage(db, name), findEnabledImage(db, name)]);
    expect(a).toMatchObject({ name, reference: "registry.invalid/cached:1" });
    // One query answered both: the very same row object.
    expect(b).toBe(a);
    expect(await findEnabledImage(db, a!.id)).toMatchObject({ name });
    expect(await findEnabledImage(db, name)).toBe(a);
  });

  it("never remembers a miss: an image or profile added after one is found at once", async () => {
    const name = `Late image ${uniqueSuffix()}`;
    expect(await findEnabledImage(db, name)).toBeNull();
    await db.image.create({ data: { name, reference: "registry.invalid/late:1", kind: "vscode" } });
    expect(await findEnabledImage(db, name)).toMatchObject({ name, kind: "vscode" });

    const key = `late-${uniqueSuffix()}`;
    expect(await findEnabledProfile(db, key)).toBeNull();
    await db.gpuProfile.create({ data: { key, displayName: "Late", strategy: "single", resourceName: "nvidia.com/gpu", allowedGroups: [] } });
    expect(await findEnabledProfile(db, key)).toMatchObject({ key });
  });

  it("returns the policies of the groups that have one, read once per group", async () => {
    const withPolicy = `cache-${uniqueSuffix()}`;
    const without = `cache-none-${uniqueSuffix()}`;
    await db.sessionPolicy.create({ data: { group: withPolicy, maxSessions: 4, maxGpus: 2, maxCpu: 16, maxMemoryGiB: 64 } });
    const first = await policiesOf(db, [withPolicy, without]);
    expect(first).toEqual([expect.objectContaining({ group: withPolicy, maxSessions: 4 })]);
    const again = await policiesOf(db, [without, withPolicy]);
    expect(again).toHaveLength(1);
    expect(again[0]).toBe(first[0]);
  });
});
