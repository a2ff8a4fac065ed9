import { describe, expect, it } from "vitest";
import { seedUser, testPrisma } from "@/test/db";
import { createApiToken, listApiTokens, revokeApiToken, verifyApiToken } from "@/lib/tokens/api-tokens";
import { hashApiToken } from "@/lib/tokens/token-format";

const db = testPrisma();

describe("API tokens", () => {
  it("are shown once, stored hashed, verified with their scopes, and stop working when revoked", async () => {
    const u = await seedUser();
    const { token, apiToken } = await createApiToken({ userId: u.id, input: { name: "laptop", scopes: ["sessions:read", "sessions:write"], expiresInDays: 30 }, db });
    expect(token).toMatch(/^aih_/);
    const row = await db.apiToken.findUniqueOrThrow({ where: { id: apiToken.id } });
    expect(row.hash).toBe(hashApiToken(token));
    expect(JSON.stringify(row)).not.toContain(token);
    expect(JSON.stringify(await listApiTokens({ userId: u.id, db }))).not.toContain(row.hash);

    expect(await verifyApiToken(token, db)).toMatchObject({ userId: u.id, username: u.username, scopes: ["sessions:read", "sessions:write"] });
    expect(await verifyApiToken(`${token.slice(0, -1)}x`, db)).toBeNull();

    const other = await seedUser();
    await expect(revokeApiToken({ userId: other.id, tokenId: apiToken.id, db })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await verifyApiToken(token, db)).not.toBeNull();
    await revokeApiToken({ userId: u.id, tokenId: apiToken.id, db });
    expect(await verifyApiToken(token, db)).toBeNull();
  });

  it("expired tokens and tokens of blocked users are refused; bad input says what to change", async () => {
    const u = await seedUser();
    const { token, apiToken } = await createApiToken({ userId: u.id, input: { name: "old", scopes: ["sessions:read"] }, db });
    await db.apiToken.update({ where: { id: apiToken.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await verifyApiToken(token, db)).toBeNull();
    const blocked = await seedUser({ blocked: true });
    const t2 = await createApiToken({ userId: blocked.id, input: { name: "b", scopes: ["sessions:read"] }, db });
    expect(await verifyApiToken(t2.token, db)).toBeNull();
    await expect(createApiToken({ userId: u.id, input: { name: "", scopes: [] }, db })).rejects.toThrow(/name|scope/);
  });

  it("records when a valid token was last used, at most once a minute, and never for a refused one", async () => {
    const u = await seedUser({ groups: ["users/ai-infn", "atlas"] });
    const { token, apiToken } = await createApiToken({ userId: u.id, input: { name: "ci", scopes: ["jobs:read"] }, db });
    const lastUsed = async () => (await db.apiToken.findUniqueOrThrow({ where: { id: apiToken.id } })).lastUsedAt;
    expect(await lastUsed()).toBeNull();
    expect(await verifyApiToken(token, db)).toEqual({ userId: u.id, username: u.username, name: u.displayName, email: u.email, groups: ["users/ai-infn", "atlas"], roles: u.roles, scopes: ["jobs:read"] });
    const first = await lastUsed();
    expect(first).toBeInstanceOf(Date);
    await verifyApiToken(token, db);
    expect(await lastUsed()).toEqual(first);
    // Older than a minute: written again.
    const old = new Date(Date.now() - 120_000);
    await db.apiToken.update({ where: { id: apiToken.id }, data: { lastUsedAt: old } });
    await verifyApiToken(token, db);
    expect((await lastUsed())!.getTime()).toBeGreaterThan(old.getTime());
    // Revoked: refused, and not recorded as used.
    await db.apiToken.update({ where: { id: apiToken.id }, data: { lastUsedAt: old } });
    await revokeApiToken({ userId: u.id, tokenId: apiToken.id, db });
    expect(await verifyApiToken(token, db)).toBeNull();
    expect(await lastUsed()).toEqual(old);
  });
});
