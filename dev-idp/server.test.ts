import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { startDevIdp, DevIdpRefusedError, type DevIdp } from "@/dev-idp/server";
import { portalClient } from "@/dev-idp/portal-client";
import { browse, CookieJar, formAction, loginThroughForm, pkcePair } from "@/dev-idp/test-support/login-flow";

const portal = "http://127.0.0.1:1"; // never contacted: the test stops at the redirect back to it
const client = portalClient(portal, "portal-test", "portal-test-secret");
const redirectUri = client.redirectUris[0]!;

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  userinfo_endpoint: string;
  jwks_uri: string;
  end_session_endpoint: string;
  code_challenge_methods_supported: string[];
  claims_supported: string[];
}

let idp: DevIdp;
let discovery: Discovery;

function authorizeUrl(challenge?: string, state = "st-" + Math.random().toString(36).slice(2)): string {
  const url = new URL(discovery.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: client.clientId,
    response_type: "code",
    redirect_uri: redirectUri,
    scope: "openid profile email offline_access",
    state,
    nonce: "n-1",
    ...(challenge ? { code_challenge: challenge, code_challenge_method: "S256" } : {}),
  }).toString();
  return url.toString();
}

async function token(body: Record<string, string>) {
  const response = await fetch(discovery.token_endpoint, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString("base64")}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams(body).toString(),
  });
  return { status: response.status, json: (await response.json()) as Record<string, string> };
}

beforeAll(async () => {
  idp = await startDevIdp({ clients: [client], environment: { NODE_ENV: "test" } });
  discovery = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as Discovery;
});
afterAll(() => idp?.stop());

describe("dev-idp: discovery", () => {
  it("advertises the endpoints the portal relies on", () => {
    expect(discovery.issuer).toBe(idp.issuer);
    expect(discovery.end_session_endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    expect(discovery.code_challenge_methods_supported).toContain("S256");
    expect(discovery.claims_supported).toEqual(expect.arrayContaining(["preferred_username", "groups", "wlcg.groups", "organisation_name"]));
  });
});

describe("dev-idp: authorization-code flow with PKCE", () => {
  it("logs alice in through the form and issues IAM-shaped, verifiable tokens", async () => {
    const { verifier, challenge } = pkcePair();
    const state = "state-alice";
    const { callbackUrl } = await loginThroughForm({ issuer: idp.issuer, authorizeUrl: authorizeUrl(challenge, state), username: "alice", password: idp.password });
    expect(callbackUrl.origin + callbackUrl.pathname).toBe(redirectUri);
    expect(callbackUrl.searchParams.get("state")).toBe(state);
    const code = callbackUrl.searchParams.get("code");
    expect(code).toBeTruthy();

    const tokens = await token({ grant_type: "authorization_code", code: code!, redirect_uri: redirectUri, code_verifier: verifier });
    expect(tokens.status).toBe(200);
    expect(tokens.json.refresh_token).toBeTruthy();

    const { payload, protectedHeader } = await jwtVerify(tokens.json.id_token!, createRemoteJWKSet(new URL(discovery.jwks_uri)), {
      issuer: idp.issuer,
      audience: client.clientId,
    });
    expect(protectedHeader.alg).toBe("RS256");
    const alice = idp.accounts.find((a) => a.username === "alice")!;
    expect(payload).toMatchObject({
      sub: alice.sub,
      nonce: "n-1",
      preferred_username: "alice",
      name: "Alice Rossi",
      given_name: "Alice",
      family_name: "Rossi",
      email: "alice@example.org",
      email_verified: true,
      groups: ["users/ai-infn"],
      "wlcg.groups": ["/users/ai-infn"],
      organisation_name: "infn-cloud-dev",
    });
    expect(payload.sub).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

    const userinfo = (await (await fetch(discovery.userinfo_endpoint, { headers: { authorization: `Bearer ${tokens.json.access_token}` } })).json()) as Record<string, unknown>;
    expect(userinfo).toMatchObject({ sub: alice.sub, preferred_username: "alice", groups: ["users/ai-infn"], "wlcg.groups": ["/users/ai-infn"] });

    const refreshed = await token({ grant_type: "refresh_token", refresh_token: tokens.json.refresh_token! });
    expect(refreshed.status).toBe(200);
    expect(refreshed.json.access_token).toBeTruthy();
  });

  it("refuses an authorization request without PKCE", async () => {
    const step = await browse(new CookieJar(), authorizeUrl(undefined), idp.issuer);
    const back = new URL(step.url);
    expect(back.searchParams.get("error")).toBe("invalid_request");
    expect(back.searchParams.get("error_description")).toMatch(/PKCE/);
  });

  it("refuses a code exchange with the wrong verifier", async () => {
    const { challenge } = pkcePair();
    const { callbackUrl } = await loginThroughForm({ issuer: idp.issuer, authorizeUrl: authorizeUrl(challenge), username: "bob", password: idp.password });
    const tokens = await token({ grant_type: "authorization_code", code: callbackUrl.searchParams.get("code")!, redirect_uri: redirectUri, code_verifier: pkcePair().verifier });
    expect(tokens.status).toBe(400);
    expect(tokens.json.error).toBe("invalid_grant");
  });

  it("shows an error on the form for a wrong password, with labelled inputs and no inline script", async () => {
    const jar = new CookieJar();
    const page = await browse(jar, authorizeUrl(pkcePair().challenge), idp.issuer);
    expect(page.body).toMatch(/<label for="username">Username<\/label>/);
    expect(page.body).toMatch(/<label for="password">Password<\/label>/);
    expect(page.body).not.toMatch(/<script>/);
    expect(page.response.headers.get("content-security-policy")).toContain("script-src 'self'");
    const wrong = await browse(jar, new URL(formAction(page.body, "/login"), page.url).toString(), idp.issuer, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ username: "alice", password: "nope" }).toString(),
    });
    expect(wrong.response.status).toBe(401);
    expect(wrong.body).toContain('role="alert"');
    expect(wrong.body).toContain("Wrong username or password.");
    expect(wrong.body).toContain('value="alice"');
  });
});

describe("dev-idp: end session", () => {
  it("logs out and returns to the registered post-logout URI", async () => {
    const { verifier, challenge } = pkcePair();
    const { callbackUrl, jar } = await loginThroughForm({ issuer: idp.issuer, authorizeUrl: authorizeUrl(challenge), username: "olga", password: idp.password });
    const tokens = await token({ grant_type: "authorization_code", code: callbackUrl.searchParams.get("code")!, redirect_uri: redirectUri, code_verifier: verifier });
    const postLogout = client.postLogoutRedirectUris![0]!;
    const end = new URL(discovery.end_session_endpoint);
    end.search = new URLSearchParams({ id_token_hint: tokens.json.id_token!, post_logout_redirect_uri: postLogout }).toString();
    const page = await browse(jar, end.toString(), idp.issuer);
    expect(page.response.status).toBe(200);
    expect(page.body).toContain('<script src="/assets/auto-submit.js"');
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.body)![1]!;
    const done = await browse(jar, new URL(formAction(page.body, "/session/end"), page.url).toString(), idp.issuer, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ xsrf, logout: "yes" }).toString(),
    });
    expect(done.url).toBe(postLogout);
    // The IdP session is gone: authorizing again shows the login form instead of a code.
    const again = await browse(jar, authorizeUrl(pkcePair().challenge), idp.issuer);
    expect(again.response.status).toBe(200);
    expect(again.body).toContain('<label for="password">');
  });
});

describe("dev-idp: production guard", () => {
  it("startDevIdp refuses NODE_ENV=production without DEV_IDP=1", async () => {
    await expect(startDevIdp({ clients: [client], environment: { NODE_ENV: "production" } })).rejects.toThrow(DevIdpRefusedError);
    const allowed = await startDevIdp({ clients: [client], environment: { NODE_ENV: "production", DEV_IDP: "1" } });
    await allowed.stop();
  });

  it("the program exits with a message saying so", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "dev-idp/main.ts", "--port", "0"], {
      env: { ...process.env, NODE_ENV: "production", DEV_IDP: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).toBe(1);
    expect(stderr).toContain("refuses to start with NODE_ENV=production");
    expect(stderr).toContain("DEV_IDP=1");
  });
});

describe("dev-idp: restarts with a data directory", () => {
  it("keeps its issuer and signing key, and moves when the old port is taken", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "dev-idp-test-"));
    const jwks = async (issuer: string) => (await (await fetch(`${issuer}/jwks`)).json()) as { keys: { kid: string }[] };
    try {
      const first = await startDevIdp({ clients: [client], dataDir, environment: { NODE_ENV: "test" } });
      const firstKid = (await jwks(first.issuer)).keys[0]!.kid;
      await first.stop();
      const second = await startDevIdp({ clients: [client], dataDir, environment: { NODE_ENV: "test" } });
      expect(second.issuer).toBe(first.issuer);
      expect((await jwks(second.issuer)).keys[0]!.kid).toBe(firstKid);
      // Port still held by `second`: a third instance must pick another one rather than fail.
      const third = await startDevIdp({ clients: [client], dataDir, environment: { NODE_ENV: "test" } });
      expect(third.issuer).not.toBe(second.issuer);
      await Promise.all([second.stop(), third.stop()]);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
