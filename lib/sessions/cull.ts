/**
 * Culler decisions. A session is stopped when it has been idle for the idle timeout or is older
 * than the maximum age, but never without a warning shown in the UI at least `warningMs` before:
 * if the controller was down when the warning was due, the stop moves later instead of being
 * sudden. Activity after a warning that pushes the deadline out clears the warning. Pure.
 */

export interface CullCandidate {
  id: string;
  createdAt: Date;
  readyAt: Date | null;
  lastActivityAt: Date | null;
  cullWarningAt: Date | null;
  /** The session's GPU profile is exempt from culling. */
  exempt: boolean;
}

export interface CullPolicy {
  idleTimeoutMs: number;
  /** 0 turns the maximum age off. */
  maxAgeMs: number;
  warningMs: number;
}

export type CullDecision =
  | { id: string; action: "warn"; cullAt: Date; reason: "idle" | "max-age" }
  | { id: string; action: "cull"; reason: "idle" | "max-age" }
  | { id: string; action: "clear-warning" };

/** When the session becomes due, and why, ignoring warnings. */
export function cullDeadline(s: CullCandidate, p: CullPolicy): { at: Date; reason: "idle" | "max-age" } | null {
  if (s.exempt) return null;
  const lastActive = (s.lastActivityAt ?? s.readyAt ?? s.createdAt).getTime();
  const idleAt = lastActive + p.idleTimeoutMs;
  const ageAt = p.maxAgeMs > 0 ? s.createdAt.getTime() + p.maxAgeMs : Number.POSITIVE_INFINITY;
  return ageAt < idleAt ? { at: new Date(ageAt), reason: "max-age" } : { at: new Date(idleAt), reason: "idle" };
}

/** When a warned session will actually be stopped: never earlier than warning + warningMs. */
export function effectiveCullAt(s: CullCandidate, p: CullPolicy): Date | null {
  const d = cullDeadline(s, p);
  if (!d) return null;
  const earliest = s.cullWarningAt ? s.cullWarningAt.getTime() + p.warningMs : Number.POSITIVE_INFINITY;
  return new Date(Math.max(d.at.getTime(), earliest));
}

export function decideCull(s: CullCandidate, p: CullPolicy, now: Date): CullDecision | null {
  const d = cullDeadline(s, p);
  const t = now.getTime();
  if (!d) return s.cullWarningAt ? { id: s.id, action: "clear-warning" } : null;
  const warnFrom = d.at.getTime() - p.warningMs;
  if (!s.cullWarningAt) {
    if (t < warnFrom) return null;
    return { id: s.id, action: "warn", cullAt: new Date(Math.max(d.at.getTime(), t + p.warningMs)), reason: d.reason };
  }
  // Warned: activity since the warning may have moved the deadline out of the warning window.
  if (t < warnFrom) return { id: s.id, action: "clear-warning" };
  if (t >= d.at.getTime() && t >= s.cullWarningAt.getTime() + p.warningMs) return { id: s.id, action: "cull", reason: d.reason };
  return null;
}
