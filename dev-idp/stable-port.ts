import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * The issuer URL contains the port, and the portal identifies people by (issuer, subject): a new
 * port after a restart would make every demo account a new IAM identity whose username is already
 * taken. So with a data directory the IdP reuses its previous port when that port is free.
 */
export async function previousPort(dataDir: string | undefined): Promise<number | undefined> {
  if (!dataDir) return undefined;
  try {
    const port = Number((await readFile(path.join(dataDir, "port"), "utf8")).trim());
    return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
  } catch {
    return undefined;
  }
}

export async function rememberPort(dataDir: string | undefined, port: number): Promise<void> {
  if (!dataDir) return;
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await writeFile(path.join(dataDir, "port"), `${port}\n`);
}
