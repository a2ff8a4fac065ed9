import { randomBytes, randomUUID } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { exportJWK, generateKeyPair, type JWK } from "jose";

export interface IdpSecrets {
  /** Private RS256 signing key(s) as JWKs. */
  jwks: JWK[];
  /** Keys signing the provider's own cookies. */
  cookieKeys: string[];
}

async function generate(): Promise<IdpSecrets> {
  const { privateKey } = await generateKeyPair("RS256", { extractable: true, modulusLength: 2048 });
  const jwk = await exportJWK(privateKey);
  return {
    jwks: [{ ...jwk, kid: randomUUID(), alg: "RS256", use: "sig" }],
    cookieKeys: [randomBytes(32).toString("base64url")],
  };
}

/**
 * Signing and cookie keys. With a data directory they are kept across restarts, so that ID tokens
 * held by the portal (used as id_token_hint at logout) stay verifiable; without one they live in memory.
 */
export async function loadOrCreateSecrets(dataDir?: string): Promise<IdpSecrets> {
  if (!dataDir) return generate();
  const file = path.join(dataDir, "keys.json");
  try {
    const stored = JSON.parse(await readFile(file, "utf8")) as Partial<IdpSecrets>;
    if (Array.isArray(stored.jwks) && stored.jwks.length > 0 && Array.isArray(stored.cookieKeys) && stored.cookieKeys.length > 0) {
      return { jwks: stored.jwks, cookieKeys: stored.cookieKeys };
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT" && !(e instanceof SyntaxError)) throw e;
  }
  const secrets = await generate();
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await writeFile(file, JSON.stringify(secrets), { mode: 0o600 });
  return secrets;
}
