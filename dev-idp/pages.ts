/**
 * HTML of the development IdP: plain server-rendered pages with no inline scripts or styles, so
 * that the strict Content-Security-Policy set by the server holds.
 */
import type { DemoAccount } from "@/dev-idp/accounts";

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

export const STYLESHEET = `
:root { color-scheme: light dark; font-family: system-ui, sans-serif; }
body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: #f1f5f9; color: #0f172a; }
main { width: min(24rem, 92vw); background: #fff; border: 1px solid #cbd5e1; border-radius: .75rem; padding: 1.75rem; }
h1 { font-size: 1.25rem; margin: 0 0 .25rem; }
p { margin: .25rem 0 1rem; color: #475569; font-size: .9rem; }
label { display: block; font-size: .875rem; font-weight: 600; margin: .75rem 0 .25rem; }
input { box-sizing: border-box; width: 100%; padding: .5rem .6rem; border: 1px solid #94a3b8; border-radius: .375rem; font: inherit; background: inherit; color: inherit; }
button { margin-top: 1.25rem; width: 100%; padding: .55rem; border: 0; border-radius: .375rem; background: #4338ca; color: #fff; font: inherit; font-weight: 600; cursor: pointer; }
button.secondary { background: transparent; color: inherit; border: 1px solid #94a3b8; margin-top: .5rem; }
:focus-visible { outline: 3px solid #6366f1; outline-offset: 2px; }
.error { color: #b91c1c; background: #fef2f2; border: 1px solid #fecaca; border-radius: .375rem; padding: .5rem .6rem; }
.hint { font-size: .8rem; border-top: 1px solid #e2e8f0; margin-top: 1.25rem; padding-top: .75rem; }
code { font-size: .8rem; }
@media (prefers-color-scheme: dark) {
  body { background: #020617; color: #e2e8f0; }
  main { background: #0f172a; border-color: #334155; }
  p { color: #94a3b8; }
  .error { color: #fecaca; background: #450a0a; border-color: #7f1d1d; }
  .hint { border-color: #334155; }
}
`;

/** Submits a form marked data-auto-submit; an external file so that script-src 'self' allows it. */
export const AUTO_SUBMIT_SCRIPT = `
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form[data-auto-submit]");
  if (form) form.requestSubmit ? form.requestSubmit() : form.submit();
});
`;

function layout(title: string, body: string, extraHead = ""): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · AI Hub development IdP</title>
<link rel="stylesheet" href="/assets/dev-idp.css">
${extraHead}
</head>
<body>
<main>
${body}
</main>
</body>
</html>`;
}

export interface LoginPageInput {
  action: string;
  abortAction: string;
  clientName: string;
  username?: string;
  error?: string;
  accounts: readonly DemoAccount[];
  password: string;
}

export function loginPage(input: LoginPageInput): string {
  const error = input.error ? `<p class="error" role="alert" id="login-error">${escapeHtml(input.error)}</p>` : "";
  const describedBy = input.error ? ` aria-describedby="login-error" aria-invalid="true"` : "";
  const accounts = input.accounts.map((a) => `<code>${escapeHtml(a.username)}</code> (${escapeHtml(a.description)})`).join(", ");
  return layout(
    "Sign in",
    `<h1>Sign in</h1>
<p>to ${escapeHtml(input.clientName)} with the development identity provider (stands in for INDIGO IAM).</p>
${error}
<form method="post" action="${escapeHtml(input.action)}" autocomplete="off">
  <label for="username">Username</label>
  <input id="username" name="username" type="text" required autofocus value="${escapeHtml(input.username ?? "")}"${describedBy}>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" required${describedBy}>
  <button type="submit">Sign in</button>
</form>
<form method="post" action="${escapeHtml(input.abortAction)}">
  <button type="submit" class="secondary">Cancel</button>
</form>
<p class="hint">Demo accounts: ${accounts}. Password for all: <code>${escapeHtml(input.password)}</code>.</p>`,
  );
}

/** The end-session page: submits itself (external script) or waits for the button without JavaScript. */
export function logoutPage(form: string): string {
  const autoForm = form.replace("<form ", '<form data-auto-submit ').replace("</form>", '<input type="hidden" name="logout" value="yes"></form>');
  return layout(
    "Sign out",
    `<h1>Signing you out…</h1>
<p>You are being signed out of the development identity provider.</p>
${autoForm}
<button type="submit" form="op.logoutForm">Sign out</button>`,
    '<script src="/assets/auto-submit.js" defer></script>',
  );
}

export function messagePage(title: string, message: string): string {
  return layout(title, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(message)}</p>`);
}
