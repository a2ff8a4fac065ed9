import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface ServingCert {
  key: string;
  cert: string;
}

let cached: ServingCert | undefined;

/**
 * A self-signed serving certificate for 127.0.0.1/localhost, made once per process with openssl.
 * TLS is not decoration here: kubectl (client-go) sends bearer tokens only over TLS, so a plain
 * http:// simulator could not authenticate kubectl at all (kubernetes/kubectl#744).
 */
export function servingCert(): ServingCert {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), "sim-tls-"));
  try {
    const key = join(dir, "key.pem");
    const cert = join(dir, "cert.pem");
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", key, "-out", cert, "-days", "3650", "-subj", "/CN=ai-hub-sim",
      "-addext", "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost",
      "-addext", "basicConstraints=critical,CA:TRUE",
    ], { stdio: ["ignore", "ignore", "pipe"] });
    cached = { key: readFileSync(key, "utf8"), cert: readFileSync(cert, "utf8") };
    return cached;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
