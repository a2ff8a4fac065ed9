import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import Provider, { type Configuration, type KoaContextWithOIDC } from "oidc-provider";
import { DEMO_ACCOUNTS, DEMO_PASSWORD, findAccountByUsername, iamClaims, type DemoAccount } from "@/dev-idp/accounts";
import { loadOrCreateSecrets } from "@/dev-idp/keys";
import { previousPort, rememberPort } from "@/dev-idp/stable-port";
import { AUTO_SUBMIT_SCRIPT, CSP, STYLESHEET, loginPage, logoutPage, messagePage } from "@/dev-idp/pages";

export interface DevIdpClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  name?: string;
}

export interface DevIdpOptions {
  /**
   * Port on 127.0.0.1. Absent: the port of the previous run with the same dataDir when free (so the
   * issuer stays the same), else one the OS picks. 0: always one the OS picks.
   */
  port?: number;
  /** Host name in the issuer URL (e.g. "localhost"); the server always binds 127.0.0.1. */
  issuerHost?: string;
  clients: DevIdpClient[];
  /** Where keys are kept across restarts; in memory when absent. */
  dataDir?: string;
  /** Accounts to offer (tests use their own, with unique names); defaults to the demo accounts. */
  accounts?: readonly DemoAccount[];
  /** Environment consulted for the production guard; defaults to the process environment. */
  environment?: { NODE_ENV?: string; DEV_IDP?: string };
}

export interface DevIdp {
  issuer: string;
  accounts: readonly DemoAccount[];
  password: string;
  stop(): Promise<void>;
}

export class DevIdpRefusedError extends Error {}

/** Why the development IdP must not start here, or null when it may. */
export function devIdpRefusal(environment: { NODE_ENV?: string; DEV_IDP?: string }): string | null {
  if (environment.NODE_ENV !== "production") return null;
  if (["1", "true", "yes"].includes(environment.DEV_IDP ?? "")) return null;
  return "The development identity provider refuses to start with NODE_ENV=production: its accounts share a published password. Configure OIDC_ISSUER for a real IdP such as INDIGO IAM, or set DEV_IDP=1 if you really mean to run it.";
}

function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
      if (body.length > 16_384) reject(new Error("form too large"));
    });
    req.on("end", () => resolve(new URLSearchParams(body)));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { "content-type": `${type}; charset=utf-8`, "content-security-policy": CSP, "cache-control": "no-store", "x-content-type-options": "nosniff" });
  res.end(body);
}

function providerConfiguration(options: DevIdpOptions, accounts: readonly DemoAccount[], secrets: Awaited<ReturnType<typeof loadOrCreateSecrets>>): Configuration {
  return {
    clients: options.clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      client_name: c.name ?? "AI Hub",
      redirect_uris: c.redirectUris,
      post_logout_redirect_uris: c.postLogoutRedirectUris ?? [],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
      id_token_signed_response_alg: "RS256",
    })),
    jwks: { keys: secrets.jwks as NonNullable<Configuration["jwks"]>["keys"] },
    cookies: { keys: secrets.cookieKeys },
    async findAccount(_ctx, sub) {
      // Looked up at every token issue, so a test may change an account's groups between logins.
      const account = accounts.find((a) => a.sub === sub);
      if (!account) return undefined;
      return { accountId: sub, claims: async () => ({ ...iamClaims(account), sub }) };
    },
    // Scope → claims as INDIGO IAM releases them; `wlcg.groups` is one claim name containing a dot.
    claims: {
      openid: ["sub"],
      profile: ["name", "given_name", "family_name", "preferred_username", "organisation_name", "groups", "wlcg.groups"],
      email: ["email", "email_verified"],
      "wlcg.groups": ["wlcg.groups"],
    },
    scopes: ["openid", "offline_access", "profile", "email", "wlcg.groups"],
    // IAM puts the profile claims in the ID token too, not only in userinfo.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    // Lifetimes in seconds, close to IAM's defaults (and stated, so oidc-provider stops warning).
    ttl: {
      AuthorizationCode: 60,
      AccessToken: 3600,
      IdToken: 3600,
      RefreshToken: 30 * 24 * 3600,
      Interaction: 3600,
      Session: 14 * 24 * 3600,
      Grant: 30 * 24 * 3600,
    },
    responseTypes: ["code"],
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx: KoaContextWithOIDC, form: string) => {
          ctx.set("content-security-policy", CSP);
          ctx.body = logoutPage(form);
        },
        postLogoutSuccessSource: async (ctx: KoaContextWithOIDC) => {
          ctx.set("content-security-policy", CSP);
          ctx.body = messagePage("Signed out", "You are signed out of the development identity provider.");
        },
      },
    },
    async renderError(ctx, out) {
      ctx.type = "html";
      ctx.set("content-security-policy", CSP);
      ctx.body = messagePage("Sign-in error", `${out.error}: ${out.error_description ?? ""}`);
    },
  };
}

/**
 * IAM grants offline_access (a refresh token) without prompt=consent; oidc-provider follows the
 * letter of OIDC Core and drops the scope unless consent is prompted. Asking for consent here keeps
 * IAM's behaviour; consent is granted automatically for registered clients anyway.
 */
function promptConsentForOfflineAccess(req: IncomingMessage, url: URL): void {
  if (url.pathname !== "/auth" || req.method !== "GET") return;
  const scope = url.searchParams.get("scope")?.split(" ") ?? [];
  if (scope.includes("offline_access") && !url.searchParams.has("prompt")) {
    url.searchParams.set("prompt", "consent");
    req.url = url.pathname + url.search;
  }
}

async function handleInteraction(provider: Provider, accounts: readonly DemoAccount[], req: IncomingMessage, res: ServerResponse, uid: string, action: string | undefined): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return send(res, 400, "text/html", messagePage("Sign-in error", "This sign-in page belongs to another attempt. Start again from the portal."));
  const clientId = String(details.params.client_id ?? "");
  const client = await provider.Client.find(clientId);
  const base = `/interaction/${uid}`;
  const render = (status: number, error?: string, username?: string) =>
    send(res, status, "text/html", loginPage({ action: `${base}/login`, abortAction: `${base}/abort`, clientName: client?.clientName ?? clientId, error, username, accounts, password: DEMO_PASSWORD }));

  if (req.method === "POST" && action === "abort") {
    return provider.interactionFinished(req, res, { error: "access_denied", error_description: "The user cancelled the sign-in." }, { mergeWithLastSubmission: false });
  }
  if (details.prompt.name === "login") {
    if (req.method === "POST" && action === "login") {
      const form = await readForm(req);
      const username = form.get("username") ?? "";
      const account = findAccountByUsername(accounts, username);
      if (!account || form.get("password") !== account.password) return render(401, "Wrong username or password.", username);
      return provider.interactionFinished(req, res, { login: { accountId: account.sub } }, { mergeWithLastSubmission: false });
    }
    return render(200);
  }
  if (details.prompt.name === "consent") {
    // Consent is implied for the registered portal client: grant whatever it asked for.
    const accountId = details.session?.accountId;
    if (!accountId) return send(res, 400, "text/html", messagePage("Sign-in error", "No signed-in account for this consent."));
    const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId, clientId });
    if (!grant) return send(res, 400, "text/html", messagePage("Sign-in error", "The earlier grant has expired. Start again from the portal."));
    const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }
  return send(res, 400, "text/html", messagePage("Sign-in error", `Unsupported prompt ${details.prompt.name}.`));
}

/** Starts the development OpenID Connect provider on 127.0.0.1. */
export async function startDevIdp(options: DevIdpOptions): Promise<DevIdp> {
  const refusal = devIdpRefusal(options.environment ?? process.env);
  if (refusal) throw new DevIdpRefusedError(refusal);
  const secrets = await loadOrCreateSecrets(options.dataDir);
  const accounts = options.accounts ?? DEMO_ACCOUNTS;

  // The issuer URL needs the port, known only after listen; requests before that get 503.
  const state: { provider?: Provider; callback?: (req: IncomingMessage, res: ServerResponse) => Promise<void> } = {};
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname === "/assets/dev-idp.css") return send(res, 200, "text/css", STYLESHEET);
    if (url.pathname === "/assets/auto-submit.js") return send(res, 200, "text/javascript", AUTO_SUBMIT_SCRIPT);
    const { provider, callback } = state;
    if (!provider || !callback) return send(res, 503, "text/plain", "starting");
    const interaction = /^\/interaction\/([\w-]+)(?:\/(login|abort))?$/.exec(url.pathname);
    if (interaction) {
      handleInteraction(provider, accounts, req, res, interaction[1]!, interaction[2]).catch((e: unknown) => {
        const expired = e instanceof Error && e.name === "SessionNotFound";
        if (!res.headersSent) send(res, 400, "text/html", messagePage("Sign-in error", expired ? "This sign-in attempt has expired. Start again from the portal." : "The sign-in could not be completed."));
        if (!expired) process.stderr.write(`dev-idp: interaction failed: ${(e as Error).message}\n`);
      });
      return;
    }
    promptConsentForOfflineAccess(req, url);
    void callback(req, res);
  });

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  const previous = options.port === undefined ? await previousPort(options.dataDir) : undefined;
  try {
    await listen(options.port ?? previous ?? 0);
  } catch (e) {
    if (previous === undefined || (e as NodeJS.ErrnoException).code !== "EADDRINUSE") throw e;
    await listen(0);
  }
  const { port } = server.address() as AddressInfo;
  await rememberPort(options.dataDir, port);
  const issuer = `http://${options.issuerHost ?? "127.0.0.1"}:${port}`;
  const provider = new Provider(issuer, providerConfiguration(options, accounts, secrets));
  // Errors are answered to the client by renderError; do not also print stack traces.
  provider.on("server_error", (_ctx, err: Error) => process.stderr.write(`dev-idp: ${err.message}\n`));
  state.callback = provider.callback() as unknown as NonNullable<typeof state.callback>;
  state.provider = provider;

  return {
    issuer,
    accounts,
    password: DEMO_PASSWORD,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
}
