/**
 * The development identity provider as a program:
 *   tsx dev-idp/main.ts [--port N] [--data-dir .data/dev-idp] --portal http://localhost:3000 --client-id ai-hub-dev --client-secret <s>
 * Prints "dev-idp ready issuer=<url>" once it accepts requests (the dev supervisor waits for it).
 * It reads only NODE_ENV and DEV_IDP from the environment, for the production guard: it is a
 * standalone stand-in for INDIGO IAM and deliberately shares no code or configuration with the portal.
 */
import { parseArgs } from "node:util";
import { startDevIdp, devIdpRefusal } from "@/dev-idp/server";
import { portalClient, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET } from "@/dev-idp/portal-client";

const out = (line: string) => process.stdout.write(line + "\n");

async function main(): Promise<void> {
  const environment = { NODE_ENV: process.env.NODE_ENV, DEV_IDP: process.env.DEV_IDP };
  const refusal = devIdpRefusal(environment);
  if (refusal) {
    process.stderr.write(`dev-idp: ${refusal}\n`);
    process.exit(1);
  }
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      portal: { type: "string", default: "http://localhost:3000" },
      "client-id": { type: "string", default: DEFAULT_CLIENT_ID },
      "client-secret": { type: "string", default: DEFAULT_CLIENT_SECRET },
      "issuer-host": { type: "string" },
      "data-dir": { type: "string" },
    },
  });
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new Error(`--port must be a port number, not ${values.port}`);
  const idp = await startDevIdp({
    port,
    issuerHost: values["issuer-host"],
    dataDir: values["data-dir"],
    environment,
    clients: [portalClient(values.portal, values["client-id"], values["client-secret"])],
  });
  out(`dev-idp ready issuer=${idp.issuer}`);
  out(`dev-idp demo accounts (password "${idp.password}"):`);
  for (const a of idp.accounts) out(`  ${a.username.padEnd(6)} ${a.description} — groups ${a.groups.join(", ")}`);
  const stop = () => void idp.stop().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`dev-idp: ${(e as Error).message}\n`);
  process.exit(1);
});
