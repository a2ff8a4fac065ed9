import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { envSchema } from "@/lib/env";

// Keeps the README's configuration table true: every variable the portal reads is documented there.
describe("README configuration table", () => {
  it("documents every variable in lib/env.ts", () => {
    const readme = readFileSync("README.md", "utf8");
    const table = readme.slice(readme.indexOf("## Configuration"), readme.indexOf("## Architecture"));
    const documented = new Set([...table.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]));
    const variables = Object.keys(envSchema.shape);
    expect(variables.length).toBeGreaterThan(10);
    expect(variables.filter((v) => !documented.has(v))).toEqual([]);
  });
});
