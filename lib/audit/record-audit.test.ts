import { describe, expect, it } from "vitest";
import { seedUser, testPrisma, uniqueSuffix } from "@/test/db";
import { recordAudit } from "./record-audit";

describe("[audit] recordAudit", () => {
  it("writes an entry for a user, with target, details, request id and time", async () => {
    const user = await seedUser();
    const before = new Date();
    const entry = await recordAudit(
      { actorId: user.id, actorLabel: user.username, action: "auth.login", targetType: "user", targetId: user.id, details: { groups: user.groups }, requestId: "req-1" },
      testPrisma(),
    );
    const stored = await testPrisma().auditLog.findUniqueOrThrow({ where: { id: entry.id }, include: { actor: true } });
    expect(stored).toMatchObject({ actorLabel: user.username, action: "auth.login", targetType: "user", targetId: user.id, details: { groups: user.groups }, requestId: "req-1" });
    expect(stored.actor?.id).toBe(user.id);
    expect(stored.createdAt.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);
  });

  it("writes an entry for an actor without a row (a refused outsider), with empty details by default", async () => {
    const outsider = `outsider-${uniqueSuffix()}`;
    await recordAudit({ actorLabel: outsider, action: "auth.refused" });
    const stored = await testPrisma().auditLog.findFirstOrThrow({ where: { actorLabel: outsider } });
    expect(stored).toMatchObject({ actorId: null, action: "auth.refused", targetType: null, details: {}, requestId: null });
  });

  it("writes nothing when the transaction it belongs to is rolled back", async () => {
    const label = `rolled-back-${uniqueSuffix()}`;
    await expect(
      testPrisma().$transaction(async (tx) => {
        await recordAudit({ actorLabel: label, action: "session.stop" }, tx);
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    expect(await testPrisma().auditLog.count({ where: { actorLabel: label } })).toBe(0);
  });

  it("keeps the entry when its user is deleted", async () => {
    const user = await seedUser();
    const entry = await recordAudit({ actorId: user.id, actorLabel: user.username, action: "auth.logout" }, testPrisma());
    await testPrisma().user.delete({ where: { id: user.id } });
    const stored = await testPrisma().auditLog.findUniqueOrThrow({ where: { id: entry.id } });
    expect(stored).toMatchObject({ actorId: null, actorLabel: user.username });
  });
});
