import { z } from "zod";

const discoverySchema = z.looseObject({
  issuer: z.string(),
  authorization_endpoint: z.string(),
  end_session_endpoint: z.string().optional(),
});

export type IdpDiscovery = z.infer<typeof discoverySchema>;

export type DiscoveryResult = { ok: true; discovery: IdpDiscovery } | { ok: false; reason: "unreachable" | "invalid" };

// Short-lived cache: the sign-in page and logout ask on every visit; IdP metadata rarely changes,
// but an outage should be noticed within seconds.
const TTL_MS = 30_000;
const cache = new Map<string, { at: number; result: DiscoveryResult }>();

/** The issuer's OpenID configuration, or why it cannot be had. Never throws. */
export async function discoverIdp(issuer: string, timeoutMs = 3000): Promise<DiscoveryResult> {
  const cached = cache.get(issuer);
  if (cached && Date.now() - cached.at < (cached.result.ok ? TTL_MS : 2000)) return cached.result;
  let result: DiscoveryResult;
  try {
    const response = await fetch(`${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(timeoutMs) });
    const parsed = response.ok ? discoverySchema.safeParse(await response.json()) : undefined;
    result = parsed?.success ? { ok: true, discovery: parsed.data } : { ok: false, reason: response.ok ? "invalid" : "unreachable" };
  } catch {
    result = { ok: false, reason: "unreachable" };
  }
  cache.set(issuer, { at: Date.now(), result });
  return result;
}
