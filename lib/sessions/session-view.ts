import { sessionBasePath } from "@/lib/kube/session-pod";
import { effectiveCullAt, type CullPolicy } from "@/lib/sessions/cull";
import type { SessionState } from "@/lib/sessions/progress";
import { env } from "@/lib/env";

/**
 * What the API and pages show of a session. Never the per-session token, the pod name or the
 * namespace: those are the proxy's and the controller's business.
 */
export interface SessionView {
  id: string;
  name: string;
  state: SessionState;
  reason: string | null;
  progress: number;
  image: { id: string; name: string; kind: string };
  profile: { key: string; displayName: string } | null;
  cpu: number;
  memoryGiB: number;
  gpuCount: number;
  node: string | null;
  url: string;
  createdAt: string;
  readyAt: string | null;
  stoppedAt: string | null;
  lastActivityAt: string | null;
  /** When the culler will stop the session, once it has warned; null otherwise. */
  cullAt: string | null;
}

export const ACTIVE_STATES: SessionState[] = ["requested", "queued", "starting", "ready", "stopping"];
export const FINAL_STATES: SessionState[] = ["stopped", "failed"];

/** Prisma `include` that gives every field toSessionView needs. */
export const sessionViewInclude = {
  image: { select: { id: true, name: true, kind: true } },
  profile: { select: { key: true, displayName: true, cullExempt: true } },
  user: { select: { username: true } },
} as const;

export interface SessionRowForView {
  id: string;
  name: string;
  state: SessionState;
  reason: string | null;
  progress: number;
  cpu: number;
  memoryGiB: number;
  gpuCount: number;
  node: string | null;
  createdAt: Date;
  readyAt: Date | null;
  stoppedAt: Date | null;
  lastActivityAt: Date | null;
  cullWarningAt: Date | null;
  image: { id: string; name: string; kind: string };
  profile: { key: string; displayName: string; cullExempt: boolean } | null;
  user: { username: string };
}

export function cullPolicyFromEnv(): CullPolicy {
  const e = env();
  return { idleTimeoutMs: e.CULL_IDLE_TIMEOUT * 1000, maxAgeMs: e.CULL_MAX_AGE * 1000, warningMs: e.CULL_WARNING * 1000, gpuIdleMs: e.CULL_GPU_IDLE * 1000 };
}

export function toSessionView(s: SessionRowForView, policy: CullPolicy = cullPolicyFromEnv()): SessionView {
  const cullAt =
    s.cullWarningAt && s.state === "ready"
      ? effectiveCullAt(
          { id: s.id, createdAt: s.createdAt, readyAt: s.readyAt, lastActivityAt: s.lastActivityAt, cullWarningAt: s.cullWarningAt, exempt: s.profile?.cullExempt ?? false },
          policy,
        )
      : null;
  return {
    id: s.id,
    name: s.name,
    state: s.state,
    reason: s.reason,
    progress: s.progress,
    image: { id: s.image.id, name: s.image.name, kind: s.image.kind },
    profile: s.profile ? { key: s.profile.key, displayName: s.profile.displayName } : null,
    cpu: s.cpu,
    memoryGiB: s.memoryGiB,
    gpuCount: s.gpuCount,
    node: s.node,
    url: sessionBasePath(s.user.username, s.name),
    createdAt: s.createdAt.toISOString(),
    readyAt: s.readyAt?.toISOString() ?? null,
    stoppedAt: s.stoppedAt?.toISOString() ?? null,
    lastActivityAt: s.lastActivityAt?.toISOString() ?? null,
    cullAt: cullAt?.toISOString() ?? null,
  };
}
