import { describe, it, expect } from "vitest";
import { checkLimits, effectiveLimits } from "@/lib/sessions/limits";
import { decideCull, decideCullWithGpu, effectiveCullAt, type CullCandidate, type CullPolicy } from "@/lib/sessions/cull";

const defaults = { maxSessions: 3, maxGpus: 2, maxCpu: 8, maxMemoryGiB: 32 };

describe("effectiveLimits", () => {
  it("uses the defaults when no group has a policy", () => {
    expect(effectiveLimits(["other"], [{ group: "users/ai-infn", maxSessions: 1, maxGpus: 1, maxCpu: 2, maxMemoryGiB: 4 }], defaults)).toEqual(defaults);
  });
  it("takes the most generous value over the user's groups", () => {
    const l = effectiveLimits(
      ["a", "b"],
      [
        { group: "a", maxSessions: 1, maxGpus: 4, maxCpu: 2, maxMemoryGiB: 64 },
        { group: "b", maxSessions: 5, maxGpus: 1, maxCpu: 16, maxMemoryGiB: 8 },
      ],
      defaults,
    );
    expect(l).toEqual({ maxSessions: 5, maxGpus: 4, maxCpu: 16, maxMemoryGiB: 64 });
  });
});

describe("checkLimits", () => {
  const ok = { limits: defaults, activeSessions: 0, activeGpus: 0, request: { cpu: 2, memoryGiB: 8, gpus: 1 } };
  it("passes a request within every limit", () => {
    expect(checkLimits(ok)).toEqual([]);
  });
  it("allows exactly the maximum", () => {
    expect(checkLimits({ ...ok, activeSessions: 2, activeGpus: 1, request: { cpu: 8, memoryGiB: 32, gpus: 1 } })).toEqual([]);
  });
  it("names every violated limit and what to change", () => {
    const v = checkLimits({ ...ok, activeSessions: 3, activeGpus: 2, request: { cpu: 9, memoryGiB: 33, gpus: 1 } });
    expect(v.map((x) => x.field).sort()).toEqual(["cpu", "memoryGiB", "profile", "sessions"]);
    expect(v.find((x) => x.field === "cpu")!.message).toContain("8 or fewer");
    expect(v.find((x) => x.field === "sessions")!.code).toBe("QUOTA_EXCEEDED");
  });
  it("CPU-only sessions do not count against the GPU limit", () => {
    expect(checkLimits({ ...ok, activeGpus: 2, request: { cpu: 1, memoryGiB: 1, gpus: 0 } })).toEqual([]);
  });
  it("says to choose CPU only when the groups have no GPUs", () => {
    expect(checkLimits({ ...ok, limits: { ...defaults, maxGpus: 0 } })[0]!.message).toContain("CPU only");
  });
});

describe("decideCull", () => {
  const t0 = new Date("2026-01-01T00:00:00Z");
  const min = 60_000;
  const at = (m: number) => new Date(t0.getTime() + m * min);
  const policy: CullPolicy = { idleTimeoutMs: 60 * min, maxAgeMs: 0, warningMs: 10 * min };
  const s: CullCandidate = { id: "s", createdAt: t0, readyAt: at(1), lastActivityAt: at(5), cullWarningAt: null, exempt: false };

  it("does nothing while active", () => {
    expect(decideCull(s, policy, at(30))).toBeNull();
  });
  it("warns 10 minutes before the idle deadline", () => {
    expect(decideCull(s, policy, at(54))).toBeNull();
    expect(decideCull(s, policy, at(55))).toEqual({ id: "s", action: "warn", cullAt: at(65), reason: "idle" });
  });
  it("culls at the deadline once warned at least 10 minutes before", () => {
    expect(decideCull({ ...s, cullWarningAt: at(55) }, policy, at(64))).toBeNull();
    expect(decideCull({ ...s, cullWarningAt: at(55) }, policy, at(65))).toEqual({ id: "s", action: "cull", reason: "idle" });
  });
  it("a late warning (controller was down) postpones the stop instead of culling at once", () => {
    const d = decideCull(s, policy, at(120));
    expect(d).toEqual({ id: "s", action: "warn", cullAt: at(130), reason: "idle" });
    expect(decideCull({ ...s, cullWarningAt: at(120) }, policy, at(125))).toBeNull();
    expect(effectiveCullAt({ ...s, cullWarningAt: at(120) }, policy)).toEqual(at(130));
  });
  it("activity after the warning clears it", () => {
    expect(decideCull({ ...s, cullWarningAt: at(55), lastActivityAt: at(58) }, policy, at(59))).toEqual({ id: "s", action: "clear-warning" });
  });
  it("max age culls even an active session, after a warning", () => {
    const p = { ...policy, maxAgeMs: 8 * 60 * min };
    const active = { ...s, lastActivityAt: at(8 * 60 - 1) };
    expect(decideCull(active, p, at(8 * 60 - 10))).toMatchObject({ action: "warn", reason: "max-age" });
    expect(decideCull({ ...active, cullWarningAt: at(8 * 60 - 10) }, p, at(8 * 60))).toEqual({ id: "s", action: "cull", reason: "max-age" });
  });
  it("exempt profiles are never culled", () => {
    expect(decideCull({ ...s, exempt: true }, policy, at(1000))).toBeNull();
  });
  it("falls back to readyAt, then createdAt, when there was no activity", () => {
    expect(decideCull({ ...s, lastActivityAt: null }, policy, at(51))).toMatchObject({ action: "warn", cullAt: at(61) });
  });
});

describe("decideCullWithGpu (CULL_GPU_IDLE)", () => {
  const t0 = new Date("2026-01-01T00:00:00Z");
  const min = 60_000;
  const at = (m: number) => new Date(t0.getTime() + m * min);
  const on: CullPolicy = { idleTimeoutMs: 600 * min, maxAgeMs: 0, warningMs: 10 * min, gpuIdleMs: 30 * min };
  const off: CullPolicy = { ...on, gpuIdleMs: 0 };
  // Active over HTTP (last activity at minute 95), so only the GPU rule can act.
  const s: CullCandidate = { id: "s", createdAt: t0, readyAt: at(1), lastActivityAt: at(95), cullWarningAt: null, exempt: false };
  const cases: Array<{ name: string; c: CullCandidate; p: CullPolicy; now: number; gpuIdle: boolean | null; want: ReturnType<typeof decideCullWithGpu> }> = [
    { name: "GPU idle, not warned → warn, stop one warning period later", c: s, p: on, now: 100, gpuIdle: true, want: { id: "s", action: "warn", cullAt: at(110), reason: "gpu-idle" } },
    { name: "warned, still idle, before the warning period ends → wait", c: { ...s, cullWarningAt: at(100) }, p: on, now: 109, gpuIdle: true, want: null },
    { name: "warned, still idle, warning period over → stop", c: { ...s, cullWarningAt: at(100) }, p: on, now: 110, gpuIdle: true, want: { id: "s", action: "cull", reason: "gpu-idle" } },
    { name: "warned, GPU busy again → clear the warning", c: { ...s, cullWarningAt: at(100) }, p: on, now: 105, gpuIdle: false, want: { id: "s", action: "clear-warning" } },
    { name: "Prometheus unavailable (unknown) → never stop; the other rules decide", c: { ...s, cullWarningAt: at(100) }, p: on, now: 200, gpuIdle: null, want: { id: "s", action: "clear-warning" } },
    { name: "unknown and not warned → nothing", c: s, p: on, now: 200, gpuIdle: null, want: null },
    { name: "rule off (CULL_GPU_IDLE=0) → nothing", c: s, p: off, now: 100, gpuIdle: true, want: null },
    { name: "exempt profile → nothing", c: { ...s, exempt: true }, p: on, now: 100, gpuIdle: true, want: null },
    { name: "HTTP-idle stop is due → stopped for that reason", c: { ...s, lastActivityAt: at(0), cullWarningAt: at(590) }, p: on, now: 601, gpuIdle: true, want: { id: "s", action: "cull", reason: "idle" } },
    { name: "HTTP-idle warning due → that warning", c: { ...s, lastActivityAt: at(0) }, p: on, now: 591, gpuIdle: true, want: { id: "s", action: "warn", cullAt: at(601), reason: "idle" } },
  ];
  for (const k of cases) {
    it(k.name, () => {
      expect(decideCullWithGpu(k.c, k.p, at(k.now), k.gpuIdle)).toEqual(k.want);
    });
  }
});
