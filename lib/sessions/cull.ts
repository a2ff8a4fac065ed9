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
  /**
   * GPU-idle rule (CULL_GPU_IDLE): a session holding a GPU whose activity stayed below the
   * threshold for this long is warned, then stopped `warningMs` later if still idle. 0 or absent: off.
   */
  gpuIdleMs?: number;
}

export type CullReason = "idle" | "max-age" | "gpu-idle";

export type CullDecision =
  | { id: string; action: "warn"; cullAt: Date; reason: CullReason }
  | { id: string; action: "cull"; reason: CullReason }
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

/**
 * The HTTP-idle/max-age rules plus the GPU-idle rule. `gpuIdle` says whether Prometheus reports the
 * session's GPU below the threshold for the whole `gpuIdleMs` window: true, false, or null when
 * unknown (rule off, Prometheus unavailable, no GPU). Unknown never stops a session: the other rules
 * decide alone (a GPU-idle warning may then be cleared; it is given again, with a full warning
 * period, once the metrics are back).
 */
export function decideCullWithGpu(s: CullCandidate, p: CullPolicy, now: Date, gpuIdle: boolean | null): CullDecision | null {
  const base = decideCull(s, p, now);
  if (!p.gpuIdleMs || s.exempt || gpuIdle !== true) return base;
  // The other rules' stop comes first; their warning, when already due, is as good as ours.
  if (base && base.action !== "clear-warning") return base;
  const t = now.getTime();
  if (!s.cullWarningAt) return { id: s.id, action: "warn", cullAt: new Date(t + p.warningMs), reason: "gpu-idle" };
  if (t >= s.cullWarningAt.getTime() + p.warningMs) return { id: s.id, action: "cull", reason: "gpu-idle" };
  return null;
}
