/**
 * Drives next-auth's real request handler (the one behind /api/auth/*) through a full login against
 * the development IdP, the way a browser would: CSRF token, POST signin/iam, the IdP's login form,
 * the callback. Returns where next-auth sent the browser and the session cookie it set.
 */
import NextAuth, { type AuthOptions } from "next-auth";
import { loginThroughForm } from "@/dev-idp/test-support/login-flow";

export interface PortalLoginResult {
  /** Where next-auth redirected after the callback ("/…" for refusals, the callbackUrl on success). */
  redirect: string;
  /** The session cookie value (chunks joined), or null when no session was created. */
  sessionCookie: string | null;
  /** The IdP's authorize request, for assertions on PKCE and state. */
  authorizeUrl: URL;
}

export async function portalLogin(options: {
  authOptions: AuthOptions;
  portalUrl: string;
  issuer: string;
  username: string;
  password: string;
  callbackUrl?: string;
}): Promise<PortalLoginResult> {
  const jar = new Map<string, string>();
  const host = new URL(options.portalUrl).host;
  // next-auth's API-route entry point (the one pages/api/auth/[...nextauth] uses) with a minimal
  // Node-style request and response; the App Router entry needs a live Next.js request context.
  const call = async (path: string, init: { method?: string; body?: Record<string, string> } = {}) => {
    const url = new URL(`${options.portalUrl}/api/auth/${path}`);
    const out = { status: 200, location: undefined as string | undefined, body: undefined as unknown, setCookies: [] as string[] };
    const res = {
      status(code: number) {
        out.status = code;
        return res;
      },
      getHeader: (name: string) => (name.toLowerCase() === "set-cookie" ? out.setCookies : undefined),
      setHeader(name: string, value: string | string[]) {
        if (name.toLowerCase() === "set-cookie") out.setCookies = [value].flat();
        if (name.toLowerCase() === "location") out.location = String(value);
        return res;
      },
      end: () => undefined,
      send: (body: unknown) => void (out.body = body),
      json: (body: unknown) => void (out.body = body),
    };
    const req = {
      method: init.method ?? "GET",
      query: { nextauth: url.pathname.replace("/api/auth/", "").split("/"), ...Object.fromEntries(url.searchParams) },
      body: init.body ?? {},
      cookies: Object.fromEntries(jar),
      headers: { host, "content-type": "application/x-www-form-urlencoded" },
    };
    // @ts-expect-error -- a structural stand-in for NextApiRequest/NextApiResponse; next-auth reads only these members.
    await NextAuth(req, res, options.authOptions);
    for (const line of out.setCookies) {
      const [pair, ...attrs] = line.split(";");
      const name = pair!.slice(0, pair!.indexOf("="));
      const value = decodeURIComponent(pair!.slice(pair!.indexOf("=") + 1));
      const expired = attrs.some((a) => /^\s*max-age=0/i.test(a) || (/^\s*expires=/i.test(a) && new Date(a.split("=")[1]!).getTime() < Date.now()));
      if (expired || value === "") jar.delete(name);
      else jar.set(name, value);
    }
    return { redirect: out.location ?? (out.body as { url?: string } | undefined)?.url, body: out.body };
  };

  const csrf = await call("csrf");
  const csrfToken = (csrf.body as { csrfToken: string }).csrfToken;
  const signin = await call("signin/iam", { method: "POST", body: { csrfToken, callbackUrl: options.callbackUrl ?? `${options.portalUrl}/` } });
  if (!signin.redirect) throw new Error(`signin did not redirect: ${JSON.stringify(signin.body)}`);
  const authorizeUrl = new URL(signin.redirect);
  if (!authorizeUrl.href.startsWith(options.issuer)) return { redirect: signin.redirect, sessionCookie: null, authorizeUrl };

  const { callbackUrl } = await loginThroughForm({ issuer: options.issuer, authorizeUrl: authorizeUrl.href, username: options.username, password: options.password });
  const callback = await call(`callback/iam${callbackUrl.search}`);
  const chunks = [...jar].filter(([k]) => k.startsWith("next-auth.session-token") || k.startsWith("__Secure-next-auth.session-token"));
  chunks.sort(([a], [b]) => Number(a.split(".").pop()) - Number(b.split(".").pop()));
  return { redirect: callback.redirect ?? "", sessionCookie: chunks.length ? chunks.map(([, v]) => v).join("") : null, authorizeUrl };
}
