import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { envSchema, parseEnv } from "@/lib/env";
import { SESSION_PORT } from "@/lib/kube/session-pod";
import { sessionLabels } from "@/lib/kube/labels";

// No cluster or Docker engine runs here, so the deployment files are checked with what does run:
// kubectl's built-in kustomize renders them, and the portal's own env schema reads their settings.
function readEnvFile(path: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(path, "utf8")
      .split("\n")
      .filter((l) => l.trim() && !l.startsWith("#"))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

describe("deploy/portal (kustomize)", () => {
  const rendered = execFileSync("kubectl", ["kustomize", "deploy/portal"], { encoding: "utf8" });
  const docs = parseAllDocuments(rendered).map((d) => d.toJS());

  it("renders the three processes, RBAC and the public Service in the ai-hub namespace", () => {
    const kinds = docs.map((d) => `${d.kind}/${d.metadata.name}`);
    for (const k of ["Deployment/ai-hub-web", "Deployment/ai-hub-proxy", "Deployment/ai-hub-controller", "Service/ai-hub", "ServiceAccount/ai-hub", "ClusterRole/ai-hub-read"]) {
      expect(kinds).toContain(k);
    }
    for (const d of docs.filter((x) => x.kind !== "Namespace" && !x.kind.startsWith("Cluster"))) {
      expect(d.metadata.namespace, `${d.kind}/${d.metadata.name}`).toBe("ai-hub");
    }
  });

  it("runs every container as non-root without privilege escalation", () => {
    for (const d of docs.filter((x) => x.kind === "Deployment")) {
      expect(d.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
      for (const c of d.spec.template.spec.containers) expect(c.securityContext.allowPrivilegeEscalation).toBe(false);
    }
  });

  it("lets only the proxy's pods reach session pods, on the session port", () => {
    const policy = docs.find((d) => d.kind === "NetworkPolicy" && d.metadata.name === "ai-hub-sessions-from-proxy");
    expect(policy).toBeDefined();
    // The selector matches the labels the portal puts on a session pod...
    const podLabels: Record<string, string> = sessionLabels({ userId: "u1", username: "alice", sessionId: "s1" });
    for (const [k, v] of Object.entries(policy.spec.podSelector.matchLabels as Record<string, string>)) expect(podLabels[k], k).toBe(v);
    // ...and the only peer is the proxy Deployment's pods.
    const proxy = docs.find((d) => d.kind === "Deployment" && d.metadata.name === "ai-hub-proxy");
    expect(policy.spec.ingress).toHaveLength(1);
    const [rule] = policy.spec.ingress;
    expect(rule.from).toEqual([{ podSelector: { matchLabels: expect.any(Object) } }]);
    for (const [k, v] of Object.entries(rule.from[0].podSelector.matchLabels as Record<string, string>)) {
      expect(proxy.spec.template.metadata.labels[k], k).toBe(v);
    }
    expect(rule.ports).toEqual([{ protocol: "TCP", port: SESSION_PORT }]);
  });

  it("configures a valid production environment", () => {
    const env = { ...readEnvFile("deploy/portal/config.env"), ...readEnvFile("deploy/portal/secret.env") };
    expect(() => parseEnv(env)).not.toThrow();
    expect(parseEnv(env).NODE_ENV).toBe("production");
  });
});

describe("docker-compose.yml", () => {
  const compose = parse(readFileSync("docker-compose.yml", "utf8"), { merge: true });
  const known = new Set(Object.keys(envSchema.shape ?? {}));

  it("only sets variables the portal knows", () => {
    // zod's superRefine wraps the object; its shape is on the inner schema.
    const shape = (envSchema as unknown as { def: { schema?: { shape: object } } }).def.schema?.shape ?? {};
    for (const k of Object.keys(shape)) known.add(k);
    const names = Object.keys(compose["x-common-env"]);
    expect(names.filter((n) => !known.has(n))).toEqual([]);
  });

  it("runs web, proxy, controller and migrations against PostgreSQL", () => {
    expect(Object.keys(compose.services).sort()).toEqual(["controller", "migrate", "postgres", "proxy", "web"]);
    expect(compose.services.proxy.ports).toEqual(["8000:8000"]);
  });
});
