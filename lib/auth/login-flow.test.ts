/**
 * Login end to end on the server side: next-auth's real handler, the development IdP's real login
 * form, the real user store and audit log on this run's PostgreSQL.
 */
import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DemoAccount } from "@/dev-idp/accounts";
import { startDevIdp, type DevIdp } from "@/dev-idp/server";
import { portalClient } from "@/dev-idp/portal-client";
import { recordAudit } from "@/lib/audit/record-audit";
import type { LoginServices } from "@/lib/auth/complete-login";
import { buildAuthOptions, type AuthSettings } from "@/lib/auth/options";
import { decodeSessionToken } from "@/lib/auth/session-cookie";
import { findSessionUser } from "@/lib/auth/session-user";
import { portalLogin } from "@/lib/auth/test-support/portal-login";
import { upsertUserFromLogin } from "@/lib/users/upsert-user-from-login";
import { testPrisma, uniqueSuffix } from "@/test/db";

// next-auth takes its own URL from NEXTAUTH_URL, defaulting to this; nothing listens there.
const portalUrl = "http://localhost:3000";
const secret = "login-flow-test-secret-0123456789abcdef";
const suffix = uniqueSuffix();

function account(name: string, groups: string[]): DemoAccount {
  return { sub: randomUUID(), username: `${name}-${suffix}`, givenName: name, familyName: "Test", email: `${name}-${suffix}@example.org`, password: "flow-test-password", groups, description: name };
}
const researcher = account("alice", ["users/ai-infn"]);
const outsider = account("eve", ["users/other-experiment"]);
const changing = account("carla", ["users/ai-infn"]);
const toBlock = account("mallory", ["users/ai-infn"]);

let idp: DevIdp;
let settings: AuthSettings;
const services: LoginServices = {
  upsertUserFromLogin: (input) => upsertUserFromLogin(input, testPrisma()),
  recordAudit: (entry) => recordAudit(entry, testPrisma()),
};

const login = (who: DemoAccount, overrides: Partial<AuthSettings> = {}, callbackUrl?: string) =>
  portalLogin({ authOptions: buildAuthOptions({ ...settings, ...overrides }, services), portalUrl, issuer: idp.issuer, username: who.username, password: who.password, callbackUrl });

const userRow = (who: DemoAccount) => testPrisma().user.findUnique({ where: { iamIssuer_iamSubject: { iamIssuer: idp.issuer, iamSubject: who.sub } } });
const auditFor = (label: string) => testPrisma().auditLog.findMany({ where: { actorLabel: label }, orderBy: { createdAt: "asc" } });

beforeAll(async () => {
  const client = portalClient(portalUrl, "flow-test", "flow-test-secret");
  idp = await startDevIdp({ clients: [client], accounts: [researcher, outsider, changing, toBlock], environment: { NODE_ENV: "test" } });
  settings = {
    issuer: idp.issuer,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    scopes: "openid profile email offline_access",
    groupsClaim: "groups",
    policy: { allowedGroups: ["users/ai-infn"], adminGroups: ["admins/ai-infn"], organiserGroups: ["organisers/ai-infn"] },
    secret,
    secureCookies: false,
    sessionMaxAgeSeconds: 3600,
  };
});
afterAll(() => idp?.stop());

describe("auth: login through next-auth, the development IdP and PostgreSQL", () => {
  it("admits a researcher: PKCE and state, user row upserted, auth.login audited, cookie with portal data only", async () => {
    const result = await login(researcher, {}, `${portalUrl}/sessions`);
    expect(result.authorizeUrl.searchParams.get("code_challenge_method")).toBe("S256");
    expect(result.authorizeUrl.searchParams.get("state")).toBeTruthy();
    expect(result.redirect).toBe(`${portalUrl}/sessions`);

    const row = await userRow(researcher);
    expect(row).toMatchObject({ username: researcher.username, displayName: "alice Test", email: researcher.email, groups: ["users/ai-infn"], roles: ["researcher"], blocked: false });

    const token = await decodeSessionToken(result.sessionCookie!, secret);
    expect(token).toMatchObject({ uid: row!.id, username: researcher.username, roles: ["researcher"], groups: ["users/ai-infn"] });
    expect(token!.idToken).toMatch(/^ey/);
    expect(Object.keys(token!)).not.toEqual(expect.arrayContaining(["accessToken"]));
    expect(JSON.stringify(token)).not.toContain("refresh");

    const entries = await auditFor(researcher.username);
    expect(entries.map((e) => e.action)).toEqual(["auth.login"]);
    expect(entries[0]).toMatchObject({ actorId: row!.id, targetType: "user", targetId: row!.id });

    expect(await findSessionUser(token!.uid, testPrisma())).toMatchObject({ id: row!.id, blocked: false, roles: ["researcher"] });
  });

  it("refuses an outsider: only an audit entry naming the required group, no user, no session", async () => {
    const result = await login(outsider);
    expect(result.redirect).toBe("/denied?groups=users%2Fai-infn");
    expect(result.sessionCookie).toBeNull();
    expect(await userRow(outsider)).toBeNull();
    const entries = await auditFor(outsider.username);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ action: "auth.refused", actorId: null });
    expect(entries[0]!.details).toMatchObject({ reason: "groups", groups: ["users/other-experiment"], requiredGroups: ["users/ai-infn"] });
  });

  it("refuses a blocked user at login and the session lookup sees the block", async () => {
    const first = await login(toBlock);
    const token = await decodeSessionToken(first.sessionCookie!, secret);
    await testPrisma().user.update({ where: { id: token!.uid }, data: { blocked: true, blockedReason: "test" } });
    expect(await findSessionUser(token!.uid, testPrisma())).toMatchObject({ blocked: true });

    const second = await login(toBlock);
    expect(second.redirect).toBe("/denied?reason=blocked");
    expect(second.sessionCookie).toBeNull();
    const entries = await auditFor(toBlock.username);
    expect(entries.map((e) => e.action)).toEqual(["auth.login", "auth.refused"]);
    expect(entries[1]!.details).toMatchObject({ reason: "blocked" });
  });

  it("recomputes roles from groups at every login", async () => {
    const rolesAfterLogin = async () => {
      const result = await login(changing);
      return { row: (await userRow(changing))!.roles, cookie: (await decodeSessionToken(result.sessionCookie!, secret))!.roles };
    };
    expect(await rolesAfterLogin()).toEqual({ row: ["researcher"], cookie: ["researcher"] });
    changing.groups = ["users/ai-infn", "admins/ai-infn"];
    expect(await rolesAfterLogin()).toEqual({ row: ["researcher", "admin"], cookie: ["researcher", "admin"] });
    changing.groups = ["organisers/ai-infn"];
    expect(await rolesAfterLogin()).toEqual({ row: ["researcher", "organiser"], cookie: ["researcher", "organiser"] });
    expect((await userRow(changing))!.groups).toEqual(["organisers/ai-infn"]);
  });

  it("reads groups from wlcg.groups when configured (leading slash removed)", async () => {
    const result = await login(researcher, { groupsClaim: "wlcg.groups" });
    expect((await decodeSessionToken(result.sessionCookie!, secret))!.groups).toEqual(["users/ai-infn"]);
  });

  it("sends people to the sign-in error when the IdP cannot be reached", async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as { port: number };
    await new Promise<void>((r) => server.close(() => r()));
    const issuer = `http://127.0.0.1:${port}`;
    const result = await portalLogin({ authOptions: buildAuthOptions({ ...settings, issuer }, services), portalUrl, issuer, username: "x", password: "y" });
    expect(result.sessionCookie).toBeNull();
    expect(result.redirect).toMatch(/\/error\?error=OAuthSignin$/);
  });
});
