import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "@/lib/env";

describe("env validation", () => {
  it("gives working defaults for development with nothing set", () => {
    const env = parseEnv({});
    expect(env.NODE_ENV).toBe("development");
    expect(env.ALLOWED_GROUPS).toEqual(["users/ai-infn"]);
    expect(env.ADMIN_GROUPS).toEqual(["admins/ai-infn"]);
    expect(env.OIDC_SCOPES).toBe("openid profile email offline_access");
    expect(env.DATABASE_POOL_SIZE).toBe(10);
    expect(env.DEV_IDP).toBe(false);
  });

  it("splits comma-separated group lists and ignores blanks", () => {
    const env = parseEnv({ ALLOWED_GROUPS: " users/a , users/b,, ", ORGANISER_GROUPS: "org/x" });
    expect(env.ALLOWED_GROUPS).toEqual(["users/a", "users/b"]);
    expect(env.ORGANISER_GROUPS).toEqual(["org/x"]);
  });

  it("treats empty strings as unset", () => {
    expect(parseEnv({ DATABASE_URL: "", OIDC_ISSUER: "" }).DATABASE_URL).toBeUndefined();
  });

  it("lists every problem at once", () => {
    let error: unknown;
    try {
      parseEnv({ DATABASE_URL: "mysql://x", DATABASE_POOL_SIZE: "0", OIDC_ISSUER: "not a url", LOG_LEVEL: "loud" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EnvError);
    const problems = (error as EnvError).problems.join("\n");
    expect(problems).toMatch(/DATABASE_URL: must be a postgresql:\/\/ connection string/);
    expect(problems).toMatch(/DATABASE_POOL_SIZE/);
    expect(problems).toMatch(/OIDC_ISSUER: must be an absolute URL/);
    expect(problems).toMatch(/LOG_LEVEL/);
  });

  it("requires the session secret and public URL in production", () => {
    expect(() => parseEnv({ NODE_ENV: "production" })).toThrow(/NEXTAUTH_SECRET: is required in production[\s\S]*NEXTAUTH_URL: is required in production/);
    expect(() =>
      parseEnv({ NODE_ENV: "production", NEXTAUTH_SECRET: "x".repeat(32), NEXTAUTH_URL: "https://hub.example.org" }),
    ).not.toThrow();
  });

  it("requires the client credentials with a real issuer", () => {
    expect(() => parseEnv({ OIDC_ISSUER: "https://iam.example.org/" })).toThrow(/OIDC_CLIENT_ID[\s\S]*OIDC_CLIENT_SECRET/);
  });

  it("rejects a short session secret", () => {
    expect(() => parseEnv({ NEXTAUTH_SECRET: "short" })).toThrow(/NEXTAUTH_SECRET: must be at least 32 characters/);
  });
});
