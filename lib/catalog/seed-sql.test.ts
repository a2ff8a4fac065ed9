import { describe, it, expect } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { catalogueSeedSql } from "@/lib/catalog/seed-sql";

describe("catalogue seed", () => {
  it("the sessions migration seeds exactly the default catalogue", () => {
    const dir = path.resolve("prisma/migrations");
    const folder = readdirSync(dir).find((d) => d.endsWith("_sessions"));
    expect(folder).toBeDefined();
    const sql = readFileSync(path.join(dir, folder!, "migration.sql"), "utf8");
    expect(sql).toContain(catalogueSeedSql());
  });
});
