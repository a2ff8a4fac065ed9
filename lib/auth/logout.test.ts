import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encode } from "next-auth/jwt";
import { startDevIdp, type DevIdp } from "@/dev-idp/server";
import { portalClient } from "@/dev-idp/portal-client";
import { discoverIdp } from "@/lib/auth/idp-discovery";
import { planLogout } from "@/lib/auth/logout";

const secret = "logout-test-secret-0123456789-abcdefghij";
const baseUrl = "http://localhost:3000";
let idp: DevIdp;

/** A port nothing listens on: bind, note it, close. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

beforeAll(async () => {
  idp = await startDevIdp({ clients: [portalClient(baseUrl)], environment: { NODE_ENV: "test" } });
});
afterAll(() => idp?.stop());

describe("auth: logout", () => {
  it("sends the browser to the IdP's end-session endpoint with id_token_hint and clears every chunk", async () => {
    const cookie = await encode({ token: { uid: "u1", username: "alice", groups: [], roles: ["researcher"], idToken: "the-id-token" }, secret, maxAge: 600 });
    const header = `other=1; next-auth.session-token.0=${cookie.slice(0, 100)}; next-auth.session-token.1=${cookie.slice(100)}`;
    const plan = await planLogout(header, { baseUrl, issuer: idp.issuer, clientId: "ai-hub-dev", secret, secureCookies: false });
    expect(plan.token).toMatchObject({ uid: "u1", username: "alice" });
    const location = new URL(plan.location);
    expect(location.origin).toBe(idp.issuer);
    expect(location.searchParams.get("id_token_hint")).toBe("the-id-token");
    expect(location.searchParams.get("client_id")).toBe("ai-hub-dev");
    expect(location.searchParams.get("post_logout_redirect_uri")).toBe(`${baseUrl}/`);
    expect(plan.clearCookies.map((c) => c.split("=")[0]).sort()).toEqual(["next-auth.session-token.0", "next-auth.session-token.1"]);
    expect(plan.clearCookies[0]).toContain("Max-Age=0");
  });

  it("without a session still ends the IdP session, with no hint", async () => {
    const plan = await planLogout(null, { baseUrl, issuer: idp.issuer, clientId: "ai-hub-dev", secret, secureCookies: true });
    expect(plan.token).toBeNull();
    expect(new URL(plan.location).searchParams.has("id_token_hint")).toBe(false);
    expect(plan.clearCookies).toEqual([]);
  });

  it("falls back to the portal's sign-in page when the IdP cannot be reached", async () => {
    const issuer = `http://127.0.0.1:${await closedPort()}`;
    expect(await discoverIdp(issuer, 1000)).toEqual({ ok: false, reason: "unreachable" });
    const plan = await planLogout(null, { baseUrl, issuer, clientId: "x", secret, secureCookies: false });
    expect(plan.location).toBe(`${baseUrl}/`);
  });

  it("marks cleared cookies Secure on https", async () => {
    const cookie = await encode({ token: { uid: "u1", username: "a", groups: [], roles: [] }, secret, maxAge: 600 });
    const plan = await planLogout(`__Secure-next-auth.session-token=${cookie}`, { baseUrl: "https://hub.example", issuer: undefined, clientId: undefined, secret, secureCookies: true });
    expect(plan.clearCookies).toEqual(["__Secure-next-auth.session-token=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure"]);
    expect(plan.location).toBe("https://hub.example/");
  });
});
