import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isAppError } from "@/lib/errors/app-error";
import { seedUser, TEST_ISSUER, testPrisma, uniqueSuffix } from "@/test/db";
import { upsertUserFromLogin, type LoginIdentity } from "./upsert-user-from-login";

function identity(overrides: Partial<LoginIdentity> = {}): LoginIdentity {
  const username = `alice-${uniqueSuffix()}`;
  return {
    issuer: TEST_ISSUER,
    subject: randomUUID(),
    username,
    email: `${username}@example.org`,
    displayName: "Alice Rossi",
    groups: ["users/ai-infn"],
    roles: ["researcher"],
    ...overrides,
  };
}

describe("[users] upsertUserFromLogin", () => {
  it("creates the user at the first login, with first and last login set", async () => {
    const id = identity();
    const user = await upsertUserFromLogin(id, testPrisma());
    expect(user).toMatchObject({ iamIssuer: id.issuer, iamSubject: id.subject, username: id.username, email: id.email, displayName: "Alice Rossi", groups: ["users/ai-infn"], roles: ["researcher"], blocked: false });
    expect(user.firstLoginAt.getTime()).toBe(user.lastLoginAt.getTime());
    expect(await testPrisma().user.count({ where: { iamSubject: id.subject } })).toBe(1);
  });

  it("updates the same row at the next login, keeping the first login and the id", async () => {
    const id = identity();
    const first = await upsertUserFromLogin(id, testPrisma());
    const again = await upsertUserFromLogin({ ...id, email: "alice@new.example.org", displayName: "Alice R." }, testPrisma());
    expect(again.id).toBe(first.id);
    expect(again.firstLoginAt).toEqual(first.firstLoginAt);
    expect(again.lastLoginAt.getTime()).toBeGreaterThanOrEqual(first.lastLoginAt.getTime());
    expect(again).toMatchObject({ email: "alice@new.example.org", displayName: "Alice R." });
  });

  it("replaces groups and roles when the IdP's groups change", async () => {
    const id = identity({ groups: ["users/ai-infn", "admins/ai-infn"], roles: ["researcher", "admin"] });
    await upsertUserFromLogin(id, testPrisma());
    const demoted = await upsertUserFromLogin({ ...id, groups: ["users/ai-infn"], roles: ["researcher"] }, testPrisma());
    expect(demoted.groups).toEqual(["users/ai-infn"]);
    expect(demoted.roles).toEqual(["researcher"]);
    const stored = await testPrisma().user.findUniqueOrThrow({ where: { id: demoted.id } });
    expect(stored.roles).toEqual(["researcher"]);
  });

  it("returns blocked users as blocked (the login refuses them) and does not unblock them", async () => {
    const seeded = await seedUser({ blocked: true, blockedReason: "misuse of GPUs" });
    const user = await upsertUserFromLogin(identity({ subject: seeded.iamSubject, username: seeded.username }), testPrisma());
    expect(user.id).toBe(seeded.id);
    expect(user).toMatchObject({ blocked: true, blockedReason: "misuse of GPUs" });
  });

  it("tells apart two IAM accounts that claim the same username", async () => {
    const holder = await seedUser();
    const error = await upsertUserFromLogin(identity({ username: holder.username }), testPrisma()).catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe("CONFLICT");
  });

  it("refuses a role the portal does not know", async () => {
    await expect(upsertUserFromLogin(identity({ roles: ["superuser"] }), testPrisma())).rejects.toThrow(/Unknown role/);
  });

  it("uses the process-wide client by default (DATABASE_URL from the test harness)", async () => {
    const id = identity();
    const user = await upsertUserFromLogin(id);
    expect(await testPrisma().user.findUnique({ where: { id: user.id } })).not.toBeNull();
  });
});
