/**
 * Labels on everything AI Hub creates. The cluster, not memory, is the truth about what runs: a
 * restarted controller rebuilds its view from these labels alone.
 */
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const MANAGED_BY_VALUE = "ai-hub";
export const COMPONENT_LABEL = "app.kubernetes.io/component";
export const USER_LABEL = "ai-hub.infn.it/user";
export const USER_ID_LABEL = "ai-hub.infn.it/user-id";
export const SESSION_ID_LABEL = "ai-hub.infn.it/session-id";
export const PROFILE_LABEL = "ai-hub.infn.it/gpu-profile";
export const QUEUE_NAME_LABEL = "kueue.x-k8s.io/queue-name";
export const KUEUE_ADMISSION_GATE = "kueue.x-k8s.io/admission";

export type Component = "session" | "home";

/**
 * A valid label value (at most 63 characters of [A-Za-z0-9-_.], alphanumeric at both ends).
 * Usernames from IAM may contain other characters; they are replaced, the user id label is exact.
 */
export function labelValue(raw: string): string {
  const cleaned = raw.replace(/[^A-Za-z0-9._-]/g, "-").slice(0, 63);
  return cleaned.replace(/^[^A-Za-z0-9]+/, "").replace(/[^A-Za-z0-9]+$/, "");
}

export function managedLabels(component: Component, extra: Record<string, string> = {}): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [COMPONENT_LABEL]: component, ...extra };
}

export function sessionLabels(s: { sessionId: string; userId: string; username: string; profileKey?: string | null }) {
  return managedLabels("session", {
    [USER_LABEL]: labelValue(s.username),
    [USER_ID_LABEL]: labelValue(s.userId),
    [SESSION_ID_LABEL]: labelValue(s.sessionId),
    ...(s.profileKey ? { [PROFILE_LABEL]: labelValue(s.profileKey) } : {}),
  });
}

/** Label selector of every session pod AI Hub manages. */
export const SESSION_POD_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE},${COMPONENT_LABEL}=session`;

/** Pod name of a session: stable, derived from the session id so that a retry never makes two. */
export function sessionPodName(sessionId: string): string {
  return `session-${sessionId.toLowerCase().replace(/[^a-z0-9-]/g, "")}`.slice(0, 63).replace(/-+$/, "");
}

/** Home volume claim of a user, keyed by user id (usernames can be renamed in IAM, ids cannot). */
export function homeClaimName(userId: string): string {
  return `home-${userId.toLowerCase().replace(/[^a-z0-9-]/g, "")}`.slice(0, 63).replace(/-+$/, "");
}
