import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

export default defineConfig({
  resolve: {
    alias: {
      "@": fileURLToPath(new URL("./", import.meta.url)),
      // Tests run server code directly, as Next.js's server build does ("react-server" condition):
      // the marker package's guard is for client bundles.
      "server-only": fileURLToPath(new URL("./node_modules/server-only/empty.js", import.meta.url)),
    },
  },
  test: {
    include: ["**/*.test.ts", "**/*.test.tsx"],
    exclude: ["node_modules/**", "tmp/**", "e2e/**", ".next/**", ".data/**", "lib/generated/**"],
    environment: "node",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests share one embedded PostgreSQL started per run (see test/global-setup.ts).
    globalSetup: ["./test/global-setup.ts"],
    pool: "forks",
    // Expected failures (rollbacks, refused logins) log at warn/error; keep test output readable.
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? "silent", SIM_LOG_LEVEL: process.env.SIM_LOG_LEVEL ?? "error" },
  },
});
