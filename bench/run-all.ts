/**
 * `npm run bench`: every benchmark, one after another (they would disturb each other on a 2-core
 * machine), each printing its own table; then a summary of their last lines, which carry the
 * numbers the issues set targets for. Pass names to run a subset: `npm run bench -- proxy spawn`.
 */
import { spawn } from "node:child_process";
import path from "node:path";

const all = [
  { name: "sim", script: "bench/sim.ts", target: "pods Running p99, RSS < 300 MB; Kueue admissions/s ≥ 43" },
  { name: "proxy", script: "bench/proxy.ts", target: "ratio_rps_vs_chp ≥ 2.5, ratio_p99_vs_chp ≤ 0.5" },
  { name: "spawn", script: "bench/spawn.ts", target: "spawn_p99_ms < 1000, api_p99_ms < 200" },
  { name: "batch", script: "bench/batch.ts", target: "api_p99_ms < 200" },
  { name: "accounting", script: "bench/accounting.ts", target: "p95_max_ms < 200" },
];

const wanted = process.argv.slice(2);
const selected = wanted.length ? all.filter((b) => wanted.includes(b.name)) : all;
const unknown = wanted.filter((w) => !all.some((b) => b.name === w));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(", ")}; choose from ${all.map((b) => b.name).join(", ")}`);
  process.exit(2);
}

const root = path.resolve(import.meta.dirname, "..");
const results: { name: string; target: string; line: string; code: number | null }[] = [];

for (const b of selected) {
  console.log(`\n━━ ${b.name} (${b.script}) ━━`);
  let last = "";
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(path.join(root, "node_modules/.bin/tsx"), [b.script], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
    child.stdout.on("data", (chunk: Buffer) => {
      process.stdout.write(chunk);
      const lines = chunk.toString().split("\n").filter((l) => l.trim());
      if (lines.length) last = lines[lines.length - 1]!;
    });
    child.on("exit", resolve);
  });
  results.push({ name: b.name, target: b.target, line: last, code });
}

console.log("\n━━ summary ━━");
for (const r of results) {
  console.log(`${r.name.padEnd(11)} ${r.code === 0 ? r.line : `FAILED (exit ${r.code})`}\n${"".padEnd(11)} target: ${r.target}`);
}
process.exit(results.every((r) => r.code === 0) ? 0 : 1);
