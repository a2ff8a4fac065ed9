import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "@/lib/env";
import { proxyConfig } from "./config";

describe("proxy configuration (lib/env PROXY_*)", () => {
  it("has working defaults", () => {
    expect(proxyConfig(parseEnv({}))).toEqual({
      port: 8000,
      listenHost: "0.0.0.0",
      webUrl: "http://127.0.0.1:3001",
      connectTimeoutMs: 5_000,
      idleTimeoutMs: 300_000,
      keepAliveTimeoutMs: 65_000,
      shutdownGraceMs: 25_000,
      maxSocketsPerTarget: 256,
      trustForwarded: false,
      authCacheTtlMs: 30_000,
      activityFlushMs: 30_000,
      metricsPort: undefined,
    });
    expect(parseEnv({}).AI_HUB_SERVICE).toBe("web");
  });

  it("reads PROXY_PORT, PROXY_WEB_URL and the rest", () => {
    const c = proxyConfig(parseEnv({ PROXY_PORT: "8080", PROXY_WEB_URL: "http://web:3000", PROXY_TRUST_FORWARDED: "1", PROXY_IDLE_TIMEOUT_MS: "0" }));
    expect(c).toMatchObject({ port: 8080, webUrl: "http://web:3000", trustForwarded: true, idleTimeoutMs: 0 });
  });

  it("maps PROXY_METRICS_PORT to the metrics listener's port", () => {
    expect(proxyConfig({ ...parseEnv({}), PROXY_METRICS_PORT: 9101 }).metricsPort).toBe(9101);
    expect(proxyConfig({ ...parseEnv({}), PROXY_METRICS_PORT: 0 }).metricsPort).toBe(0);
  });

  it("lists every bad proxy variable at once", () => {
    let error: unknown;
    try {
      parseEnv({ PROXY_PORT: "70000", PROXY_WEB_URL: "not a url", PROXY_MAX_SOCKETS_PER_TARGET: "0", PROXY_TRUST_FORWARDED: "maybe", AI_HUB_SERVICE: "Proxy Service" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EnvError);
    const problems = (error as EnvError).problems.map((p) => p.split(":")[0]);
    expect(problems).toEqual(expect.arrayContaining(["PROXY_PORT", "PROXY_WEB_URL", "PROXY_MAX_SOCKETS_PER_TARGET", "PROXY_TRUST_FORWARDED", "AI_HUB_SERVICE"]));
  });
});
