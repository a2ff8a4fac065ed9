/**
 * Limit math for spawning. Pure; spawn-session.ts feeds it with counts read inside the spawn
 * transaction (after locking the user's row), so two concurrent requests cannot both pass.
 */

export interface SessionPolicyLimits {
  maxSessions: number;
  maxGpus: number;
  maxCpu: number;
  maxMemoryGiB: number;
}

export interface PolicyRow extends SessionPolicyLimits {
  group: string;
}

/**
 * The limits of a user: the most generous value over the policies of their groups (a person in
 * two projects gets the larger of the two), or the configured defaults when no group has one.
 */
export function effectiveLimits(userGroups: string[], policies: PolicyRow[], defaults: SessionPolicyLimits): SessionPolicyLimits {
  const mine = policies.filter((p) => userGroups.includes(p.group));
  if (mine.length === 0) return { ...defaults };
  return {
    maxSessions: Math.max(...mine.map((p) => p.maxSessions)),
    maxGpus: Math.max(...mine.map((p) => p.maxGpus)),
    maxCpu: Math.max(...mine.map((p) => p.maxCpu)),
    maxMemoryGiB: Math.max(...mine.map((p) => p.maxMemoryGiB)),
  };
}

export interface LimitCheckInput {
  limits: SessionPolicyLimits;
  /** Sessions of the user that are not stopped or failed. */
  activeSessions: number;
  /** GPUs held or requested by those sessions. */
  activeGpus: number;
  request: { cpu: number; memoryGiB: number; gpus: number };
}

/** The limits the request itself breaks (per-session CPU and memory), whatever the user already holds. */
export function requestViolations(limits: SessionPolicyLimits, request: LimitCheckInput["request"]): LimitViolation[] {
  const v: LimitViolation[] = [];
  if (request.cpu > limits.maxCpu) {
    v.push({ field: "cpu", code: "INVALID", message: `At most ${limits.maxCpu} CPUs per session for your groups; choose ${limits.maxCpu} or fewer.` });
  }
  if (request.memoryGiB > limits.maxMemoryGiB) {
    v.push({ field: "memoryGiB", code: "INVALID", message: `At most ${limits.maxMemoryGiB} GiB of memory per session for your groups; choose ${limits.maxMemoryGiB} GiB or less.` });
  }
  return v;
}

export interface LimitViolation {
  field: "cpu" | "memoryGiB" | "profile" | "sessions";
  code: "INVALID" | "QUOTA_EXCEEDED";
  message: string;
}

/** Every violated limit, each with a message that says what to change. Empty when the request fits. */
export function checkLimits({ limits, activeSessions, activeGpus, request }: LimitCheckInput): LimitViolation[] {
  const v = requestViolations(limits, request);
  if (activeSessions + 1 > limits.maxSessions) {
    v.push({
      field: "sessions",
      code: "QUOTA_EXCEEDED",
      message: `You already have ${activeSessions} session${activeSessions === 1 ? "" : "s"} running or starting (limit ${limits.maxSessions}); stop one first.`,
    });
  }
  if (request.gpus > 0 && activeGpus + request.gpus > limits.maxGpus) {
    v.push({
      field: "profile",
      code: "QUOTA_EXCEEDED",
      message:
        limits.maxGpus === 0
          ? "Your groups may not use GPUs; choose CPU only."
          : `Your sessions already hold ${activeGpus} of your ${limits.maxGpus} GPUs; stop a GPU session or choose CPU only.`,
    });
  }
  return v;
}
