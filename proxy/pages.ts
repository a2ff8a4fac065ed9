/**
 * The proxy's own answers: small static HTML pages with one shared inline style and no external
 * assets or scripts (the starting page refreshes with a meta tag). Reasons are written for people
 * and never include addresses, ports or stack traces.
 */

const STYLE =
  "body{font-family:system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}" +
  "main{max-width:34rem;margin:12vh auto;padding:2rem;background:#fff;border-radius:8px;box-shadow:0 1px 3px #0002}" +
  "h1{font-size:1.4rem;margin:0 0 1rem}p{line-height:1.5}a{color:#0b5cad}";

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface Page {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function page(status: number, title: string, bodyHtml: string, head = ""): Page {
  const body =
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `${head}<title>${escapeHtml(title)} · AI Hub</title><style>${STYLE}</style></head>` +
    `<body><main><h1>${escapeHtml(title)}</h1>${bodyHtml}</main></body></html>`;
  return {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
    },
    body,
  };
}

export const pages = {
  badRequest: (reason: string) => page(400, "Bad request", `<p>${escapeHtml(reason)}.</p>`),
  forbidden: () => page(403, "Not your session", `<p>This session belongs to another user. Only its owner can open it.</p><p><a href="/">Back to AI Hub</a></p>`),
  notFound: (spawnHref: string, sessionName: string) =>
    page(
      404,
      "Session not running",
      `<p>The session <strong>${escapeHtml(sessionName)}</strong> is not running.</p><p><a href="${escapeHtml(spawnHref)}">Start a session</a></p>`,
    ),
  starting: (sessionName: string) =>
    page(
      503,
      "Session starting",
      `<p>The session <strong>${escapeHtml(sessionName)}</strong> is starting. This page reloads by itself every two seconds.</p>`,
      `<meta http-equiv="refresh" content="2">`,
    ),
  unreachable: (reason: string) =>
    page(502, "Session unreachable", `<p>AI Hub could not reach this session: ${escapeHtml(reason)}.</p><p>Reload in a moment; if it persists, stop and start the session.</p>`),
  webUnavailable: (reason: string) => page(502, "AI Hub unavailable", `<p>The portal could not be reached: ${escapeHtml(reason)}. Try again in a moment.</p>`),
};

/** Plain words for a socket error code; unknown codes are not shown. */
export function describeUpstreamError(err: unknown): string {
  const code = (err as { code?: string } | undefined)?.code;
  switch (code) {
    case "ECONNREFUSED":
      return "the connection was refused";
    case "ETIMEDOUT":
    case "ECONNECT_TIMEOUT":
    case "ESOCKETTIMEDOUT":
      return "the connection timed out";
    case "ECONNRESET":
    case "EPIPE":
      return "the connection was reset";
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return "the host is unreachable";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "the address could not be resolved";
    default:
      return "the connection failed";
  }
}
