/**
 * A minimal browser for tests: fetch with a cookie jar, following redirects by hand so that a test
 * can stop where the IdP sends the browser back to the portal. Drives the real login form.
 */
import { createHash, randomBytes } from "node:crypto";

export class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attributes.some((a) => {
        const [k, v] = a.trim().split("=");
        if (k?.toLowerCase() === "max-age") return Number(v) <= 0;
        if (k?.toLowerCase() === "expires") return new Date(v ?? "").getTime() < Date.now();
        return false;
      });
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}

export interface Step {
  response: Response;
  url: string;
  body: string;
}

/** Requests `url`, following redirects while they stay on `origin`; stops at the first one leaving it. */
export async function browse(jar: CookieJar, url: string, origin: string, init: RequestInit = {}): Promise<Step> {
  let current = url;
  let request: RequestInit = init;
  for (let hops = 0; hops < 20; hops++) {
    const response = await fetch(current, { ...request, redirect: "manual", headers: { ...(request.headers as Record<string, string>), cookie: jar.header() } });
    jar.store(response);
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location) {
      const next = new URL(location, current).toString();
      if (!next.startsWith(origin)) return { response, url: next, body: "" };
      current = next;
      request = {};
      continue;
    }
    return { response, url: current, body: await response.text() };
  }
  throw new Error(`too many redirects from ${url}`);
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/** The action of the first form on a page whose action contains `fragment`. */
export function formAction(html: string, fragment: string): string {
  const match = [...html.matchAll(/<form[^>]*action="([^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, "&")).find((a) => a.includes(fragment));
  if (!match) throw new Error(`no form with action containing ${fragment}`);
  return match;
}

export interface LoginResult {
  /** Where the IdP sent the browser back (the client's redirect URI with code and state). */
  callbackUrl: URL;
  jar: CookieJar;
}

/** Runs authorize → login form → consent and returns the callback URL carrying the code. */
export async function loginThroughForm(options: {
  issuer: string;
  authorizeUrl: string;
  username: string;
  password: string;
  jar?: CookieJar;
}): Promise<LoginResult> {
  const jar = options.jar ?? new CookieJar();
  const page = await browse(jar, options.authorizeUrl, options.issuer);
  if (page.response.status !== 200) throw new Error(`login page answered ${page.response.status}: ${/<main>([\s\S]*)<\/main>/.exec(page.body)?.[1]?.trim() ?? page.body.slice(0, 200)} (${page.url})`);
  const action = new URL(formAction(page.body, "/login"), page.url).toString();
  const done = await browse(jar, action, options.issuer, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ username: options.username, password: options.password }).toString(),
  });
  if (!done.url || done.url.startsWith(options.issuer)) throw new Error(`login did not return to the client (status ${done.response.status}): ${done.body.slice(0, 300)}`);
  return { callbackUrl: new URL(done.url), jar };
}
