/**
 * Strict classification of a request target before any routing decision. The pod receives the
 * path exactly as the browser sent it (or, for a route with stripPrefix, the part from `rest` on), so what we check here must be what the pod will decode:
 * percent-encoding is decoded once, and anything that could make the pod's view differ from ours
 * (encoded slashes, dot segments, backslashes) is refused with 400 instead of being normalised.
 */

export type PathDecision =
  /** `rest` indexes the request target where the path under the session begins (its "/"). */
  | { kind: "session"; username: string; sessionName: string; rest: number }
  /** `/user/alice/s1` without the slash: redirect to the same URL with it, as JupyterHub does. */
  | { kind: "add-slash"; location: string }
  /** `/user/`, `/user/alice`, `/user/alice/`: nothing to open, show the portal's list. */
  | { kind: "session-list" }
  | { kind: "web" }
  | { kind: "bad"; reason: string };

/** Session names are DNS labels (lib/sessions); a little wider here costs nothing. */
const SESSION_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** The portal's username rule (lib/auth/claims.ts), checked on the decoded segment. */
const USERNAME = /^[^\s/?#%\\]+$/;
const BAD = (reason: string): PathDecision => ({ kind: "bad", reason });

export function classifyPath(url: string): PathDecision {
  if (url.charCodeAt(0) !== 47 /* "/" */) return BAD("the request target must be a path");
  const q = url.indexOf("?");
  const path = q === -1 ? url : url.slice(0, q);
  const isUser = path.startsWith("/user/") || path === "/user";

  // Fast path: without "%" or "/." or "\" no dot segment or encoded slash can exist.
  if (path.includes("%") || path.includes("/.") || path.includes("\\")) {
    const problem = inspect(path, isUser);
    if (problem) return BAD(problem);
  }
  if (!isUser) return { kind: "web" };

  const userEnd = path.indexOf("/", 6);
  if (userEnd === -1 || userEnd === 6) return { kind: "session-list" };
  const rawUser = path.slice(6, userEnd);
  // Safe to decode: encoded slashes and malformed escapes were refused above.
  const username = rawUser.includes("%") ? decodeURIComponent(rawUser) : rawUser;
  const sessionEnd = path.indexOf("/", userEnd + 1);
  const sessionName = path.slice(userEnd + 1, sessionEnd === -1 ? undefined : sessionEnd);
  if (!USERNAME.test(username)) return BAD("the user name in the URL is not valid");
  if (sessionName === "") return { kind: "session-list" };
  if (!SESSION_NAME.test(sessionName)) return BAD("the session name in the URL is not valid");
  if (sessionEnd === -1) return { kind: "add-slash", location: path + "/" + (q === -1 ? "" : url.slice(q)) };
  return { kind: "session", username, sessionName, rest: sessionEnd };
}

function inspect(path: string, isUser: boolean): string | undefined {
  let decoded = path;
  if (path.includes("%")) {
    // Encoded slashes and backslashes would let the pod see a different path structure than we do.
    if (/%(2f|5c)/i.test(path) && isUser) return "encoded slashes are not allowed in session URLs";
    try {
      decoded = decodeURIComponent(path);
    } catch {
      return "the URL has invalid percent-encoding";
    }
    if (decoded.includes("\0")) return "the URL contains a NUL character";
  }
  if (isUser && decoded.includes("\\")) return "backslashes are not allowed in session URLs";
  for (const segment of decoded.split("/")) {
    if (segment === ".." || segment === ".") return "dot segments are not allowed in URLs";
  }
  return undefined;
}
