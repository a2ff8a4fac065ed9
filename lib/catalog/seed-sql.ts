import { defaultImages, defaultPolicies, defaultProfiles } from "@/lib/catalog/default-catalogue";

/**
 * The INSERTs that seed the catalogue in the sessions migration, generated from
 * default-catalogue.ts so the two never disagree (a test checks the migration holds them).
 */
const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
const arr = (xs: string[]) => `ARRAY[${xs.map(q).join(", ")}]::TEXT[]`;

export function catalogueSeedSql(): string {
  const lines = ["-- Seed: the default catalogue (lib/catalog/default-catalogue.ts)"];
  for (const i of defaultImages) {
    lines.push(
      `INSERT INTO "images" ("id", "name", "reference", "kind", "description", "is_default", "updated_at") VALUES (gen_random_uuid(), ${q(i.name)}, ${q(i.reference)}, ${q(i.kind)}, ${q(i.description)}, ${i.isDefault}, CURRENT_TIMESTAMP);`,
    );
  }
  for (const p of defaultProfiles) {
    lines.push(
      `INSERT INTO "gpu_profiles" ("id", "key", "display_name", "gpu_memory_gib", "strategy", "resource_name", "gpu_count", "node_selector", "tolerations", "accounting_weight", "allowed_groups", "cull_exempt", "sort_order", "updated_at") VALUES (gen_random_uuid(), ${q(p.key)}, ${q(p.displayName)}, ${p.gpuMemoryGiB}, ${q(p.strategy)}, ${q(p.resourceName)}, ${p.gpuCount}, ${q(JSON.stringify(p.nodeSelector))}::jsonb, ${q(JSON.stringify(p.tolerations))}::jsonb, ${p.accountingWeight}, ${arr(p.allowedGroups)}, ${p.cullExempt}, ${p.sortOrder}, CURRENT_TIMESTAMP);`,
    );
  }
  for (const s of defaultPolicies) {
    lines.push(
      `INSERT INTO "session_policies" ("id", "group", "max_sessions", "max_gpus", "max_cpu", "max_memory_gib", "updated_at") VALUES (gen_random_uuid(), ${q(s.group)}, ${s.maxSessions}, ${s.maxGpus}, ${s.maxCpu}, ${s.maxMemoryGiB}, CURRENT_TIMESTAMP);`,
    );
  }
  return lines.join("\n") + "\n";
}
