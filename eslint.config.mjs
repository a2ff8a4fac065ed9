import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

const config = [
  ...nextVitals,
  ...nextTs,
  {
    ignores: ["tmp/**", ".next/**", "node_modules/**", "lib/generated/**", ".data/**", "test-results/**", "playwright-report/**", "next-env.d.ts"],
  },
  {
    rules: {
      "no-console": ["error", { allow: ["warn", "error"] }],
    },
  },
  {
    // Command-line programs talk to a terminal.
    files: ["scripts/**", "sim/main.ts", "bench/**", "cli/**", ".ci/**"],
    rules: { "no-console": "off" },
  },
];

export default config;
