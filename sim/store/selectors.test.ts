import { describe, it, expect } from "vitest";
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from "./selectors";
import { ApiError, type KubeObject } from "./types";

const m = (sel: string, labels: Record<string, string>) => matchesLabels(parseLabelSelector(sel), labels);

describe("label selectors", () => {
  it("supports equality operators", () => {
    expect(m("app=web", { app: "web" })).toBe(true);
    expect(m("app==web", { app: "web" })).toBe(true);
    expect(m("app!=web", { app: "db" })).toBe(true);
    expect(m("app!=web", {})).toBe(true);
    expect(m("app=web,tier=fe", { app: "web" })).toBe(false);
  });

  it("supports set-based operators", () => {
    expect(m("env in (prod, dev)", { env: "dev" })).toBe(true);
    expect(m("env in (prod)", { env: "dev" })).toBe(false);
    expect(m("env notin (prod)", {})).toBe(true);
    expect(m("env", { env: "x" })).toBe(true);
    expect(m("!env", { env: "x" })).toBe(false);
    expect(m("app.kubernetes.io/managed-by=ai-hub,!gone,env in (a,b)", { "app.kubernetes.io/managed-by": "ai-hub", env: "b" })).toBe(true);
  });

  it("rejects malformed selectors with 400", () => {
    for (const bad of ["a in (x", "bad key=1", "a=b c"]) {
      expect(() => parseLabelSelector(bad), bad).toThrow(ApiError);
    }
  });
});

describe("field selectors", () => {
  const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "ns" }, spec: { nodeName: "n1" }, status: { phase: "Running" } } as KubeObject;
  it("matches the supported fields", () => {
    expect(matchesFields(parseFieldSelector("pods", "spec.nodeName=n1,status.phase!=Failed"), pod)).toBe(true);
    expect(matchesFields(parseFieldSelector("pods", "metadata.name=q"), pod)).toBe(false);
    expect(matchesFields(parseFieldSelector("pods", "spec.nodeName="), pod)).toBe(false);
  });
  it("rejects unknown fields", () => {
    expect(() => parseFieldSelector("configmaps", "spec.nodeName=x")).toThrow(/field label not supported/);
  });
});
