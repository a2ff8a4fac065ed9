import { randomUUID } from "node:crypto";
import { z } from "zod";
import { getPrisma, sqlRows, type Db } from "@/lib/db/prisma";
import { AppError } from "@/lib/errors/app-error";
import { assertGroupBudget } from "@/lib/budgets/assert-within-budget";
import { chargeGroupOf } from "@/lib/accounting/charge-group";
import { findEnabledImage, findEnabledProfile, policiesOf } from "@/lib/catalog/catalogue-cache";
import { env } from "@/lib/env";
import { log } from "@/lib/log";
import { gpuRequestOf, profileAllowed } from "@/lib/gpu/gpu-request";
import { kube, type KubeClients } from "@/lib/kube/client";
import { buildHomePvc } from "@/lib/kube/home-pvc";
import { homeClaimName, sessionPodName } from "@/lib/kube/labels";
import { buildSessionPod, parseSharedVolumes, type ImageKind } from "@/lib/kube/session-pod";
import { createPod, deletePod, deletePvc, ensureHomePvc } from "@/lib/kube/session-objects";
import { checkLimits, effectiveLimits, requestViolations } from "@/lib/sessions/limits";
import { appendSessionEvent } from "@/lib/sessions/session-events";
import { ACTIVE_STATES, toSessionView, type SessionView } from "@/lib/sessions/session-view";
import { getSession } from "@/lib/sessions/list-sessions";
import { generateSessionToken } from "@/lib/tokens/token-format";
import { createGate, type Gate } from "@/lib/sessions/spawn-gate";

/**
 * Spawning: validate, check limits and write the session in one statement serialised per user
 * (ai_hub_spawn_session, a PostgreSQL function; a budgeted GPU request in a transaction), then create the home claim (if missing) and the pod, together. The web process never waits for
 * the pod: the controller follows it from here. If Kubernetes fails, what this call created is
 * removed and the session is marked failed with the reason.
 */

const dnsLabel = z
  .string()
  .min(1)
  .max(40)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "use lowercase letters, digits and '-', starting and ending with a letter or digit");

export const spawnInputSchema = z.object({
  /** Image id or name. */
  image: z.string().min(1).max(200),
  /** GPU profile key; null or absent for CPU only. */
  profile: z.string().min(1).max(100).nullish(),
  cpu: z.number().positive().max(256),
  memoryGiB: z.number().positive().max(4096),
  name: dnsLabel.optional(),
  idempotencyKey: z.string().min(8).max(100).optional(),
  /** Group the usage is charged to (one of the caller's groups); absent: the user's default group. */
  chargeGroup: z.string().min(1).max(200).nullish(),
});
export type SpawnInput = z.infer<typeof spawnInputSchema>;

export interface SpawnUser {
  id: string;
  username: string;
  groups: string[];
}

export interface SpawnResult {
  session: SessionView;
  /** False when an earlier request with the same idempotency key made the session. */
  created: boolean;
}

function invalid(field: string, message: string, code: "INVALID" | "FORBIDDEN" | "CONFLICT" = "INVALID"): AppError {
  return new AppError(code, message, { fields: { [field]: message } });
}

/** The spawn statement (on the pool: sqlRows), its parameters in the function's order. */
const SPAWN_SQL = `SELECT * FROM ai_hub_spawn_session(
  $1::uuid, $2::uuid, $3::uuid, $4::text, $5::text,
  $6::uuid, $7::uuid, $8::text, $9::int, $10::float8, $11::float8,
  $12::text, $13::text, $14::text, $15::text, $16::"SessionState"[],
  $17::boolean, $18::int, $19::int, $20::boolean)`;

/** What ai_hub_spawn_session returns (see its migration); which fields are set depends on `result`. */
interface SpawnStatementRow {
  result: "created" | "existing" | "limits" | "name_taken" | "budget";
  existing_id: string | null;
  session_name: string | null;
  requested_at: Date | null;
  active_sessions: number | null;
  active_gpus: number | null;
}

/** Where a spawn's time went (ms), for benchmarks: catalogue reads, the limits check and insert, the cluster calls. */
export interface SpawnTimings {
  catalogueMs: number;
  insertMs: number;
  kubeMs: number;
}

let gate: Gate | undefined;

interface SpawnDeps {
  db?: ReturnType<typeof getPrisma>;
  kube?: KubeClients;
  timings?: SpawnTimings;
}

/**
 * Spawns a session for a known user: the input is validated, then the spawn waits for a slot of
 * this process's spawn queue (SPAWN_CONCURRENCY, lib/sessions/spawn-gate.ts).
 *
 * Request handlers pass `authenticate` and `readInput` instead: the caller is identified, and then
 * the input read, inside the slot. A burst of spawn requests then costs the process almost nothing
 * until each one's turn (the token check is a database round trip and most of a request's work
 * before the queue), so the other requests of that moment (session lists, progress streams) are
 * not served behind all of them. Both still run before anything is written, in the same order as
 * before: an unauthenticated caller gets 401 before any validation message.
 */
export async function spawnSession(opts: SpawnDeps & { user: SpawnUser; input: unknown }): Promise<SpawnResult>;
export async function spawnSession(opts: SpawnDeps & { authenticate: () => Promise<SpawnUser>; readInput: () => unknown }): Promise<SpawnResult>;
export async function spawnSession(
  opts: SpawnDeps & ({ user: SpawnUser; input: unknown } | { authenticate: () => Promise<SpawnUser>; readInput: () => unknown }),
): Promise<SpawnResult> {
  gate ??= createGate(env().SPAWN_CONCURRENCY);
  if ("user" in opts) {
    const input = spawnInputSchema.parse(opts.input);
    return gate.run(() => spawnValidated(opts, input));
  }
  return gate.run(async () => {
    const user = await opts.authenticate();
    const input = spawnInputSchema.parse(opts.readInput());
    return spawnValidated({ ...opts, user }, input);
  });
}

async function spawnValidated(opts: SpawnDeps & { user: SpawnUser }, input: SpawnInput): Promise<SpawnResult> {
  const db = opts.db ?? getPrisma();
  const { user } = opts;
  const e = env();
  const k = opts.kube ?? kube();

  const started = performance.now();
  // Catalogue reads need no lock: they happen before the spawn statement, which then holds the
  // per-user lock only for the counts and the inserts. They come from a cache of a few seconds
  // (lib/catalog/catalogue-cache.ts); the counts under the lock never do.
  const [image, profile, policies] = await Promise.all([
    findEnabledImage(db, input.image),
    input.profile ? findEnabledProfile(db, input.profile) : Promise.resolve(null),
    policiesOf(db, user.groups),
  ]);
  const catalogueRead = performance.now();
  if (!image) throw invalid("image", `Unknown image "${input.image}"; choose one of the images offered.`);
  if (input.profile && !profile) throw invalid("profile", `Unknown GPU profile "${input.profile}"; choose one of the profiles offered or CPU only.`);
  // 400 naming chargeGroup when it is not one of the user's groups.
  const group = await chargeGroupOf(db, user, input.chargeGroup ?? null);
  if (profile && !profileAllowed(profile, user.groups)) {
    throw invalid("profile", `The GPU profile ${profile.key} is not available to your groups; choose another profile.`, "FORBIDDEN");
  }

  const limits = effectiveLimits(user.groups, policies, {
    maxSessions: e.SESSION_MAX_PER_USER,
    maxGpus: e.SESSION_MAX_GPUS_PER_USER,
    maxCpu: e.SESSION_MAX_CPU,
    maxMemoryGiB: e.SESSION_MAX_MEMORY_GIB,
  });
  const request = { cpu: input.cpu, memoryGiB: input.memoryGiB, gpus: profile?.gpuCount ?? 0 };
  const id = randomUUID();
  const token = generateSessionToken();
  const podName = sessionPodName(id);
  const gpuCount = profile?.gpuCount ?? 0;
  const requestFits = requestViolations(limits, request).length === 0;
  // The lock, the counts, the name and the inserts in one statement (the migration
  // spawn_session_function says how): one round trip, no transaction to open and commit.
  const spawnRow = async (client: Db, budgetChecked: boolean) =>
    (
      await sqlRows<SpawnStatementRow>(client, SPAWN_SQL, [
        user.id, id, randomUUID(), input.name ?? null, input.idempotencyKey ?? null,
        image.id, profile?.id ?? null, profile?.key ?? null, gpuCount, input.cpu, input.memoryGiB,
        k.namespace, podName, token, group, ACTIVE_STATES,
        requestFits, limits.maxSessions, limits.maxGpus, budgetChecked,
      ])
    )[0]!;
  let spawned = await spawnRow(db, false);
  if (spawned.result === "budget") {
    // A GPU request of a group with a budget: the same statement inside a transaction that then
    // takes the group's budget lock and sums its usage; a refusal rolls the session back.
    spawned = await db.$transaction(
      async (tx) => {
        const r = await spawnRow(tx, true);
        if (r.result === "created") await assertGroupBudget(tx, { userId: user.id, group, profileKey: profile?.key ?? null, requestedGpus: gpuCount });
        return r;
      },
      { maxWait: 10_000, timeout: 15_000 },
    );
  }
  if (spawned.result === "existing") return { session: await getSession({ userId: user.id, sessionId: spawned.existing_id!, db }), created: false };
  if (spawned.result === "limits") {
    const violations = checkLimits({ limits, activeSessions: spawned.active_sessions!, activeGpus: spawned.active_gpus!, request });
    if (violations.length === 0) throw new Error(`ai_hub_spawn_session refused a request lib/sessions/limits.ts allows (${JSON.stringify({ limits, request, spawned })})`);
    const fields = Object.fromEntries(violations.map((v) => [v.field, v.message]));
    throw new AppError(violations.some((v) => v.code === "QUOTA_EXCEEDED") ? "QUOTA_EXCEEDED" : "INVALID", violations.map((v) => v.message).join(" "), { fields });
  }
  if (spawned.result === "name_taken") throw invalid("name", `You already have a session named ${spawned.session_name}; choose another name or stop that one.`, "CONFLICT");
  if (spawned.result !== "created") throw new Error(`ai_hub_spawn_session: unexpected result ${spawned.result}`);

  const gpu = profile ? gpuRequestOf(profile) : null;
  const row = {
    id,
    name: spawned.session_name!,
    token,
    podName,
    cpu: input.cpu,
    memoryGiB: input.memoryGiB,
    createdAt: spawned.requested_at!,
    state: "requested" as const,
    reason: null,
    progress: 5,
    gpuCount,
    node: null,
    readyAt: null,
    stoppedAt: null,
    lastActivityAt: null,
    cullWarningAt: null,
    image: { id: image.id, name: image.name, kind: image.kind },
    profile: profile ? { key: profile.key, displayName: profile.displayName, cullExempt: profile.cullExempt } : null,
    user: { username: user.username },
  };
  const inserted = performance.now();
  let pvcCreated = false;
  try {
    const pod = buildSessionPod({
      namespace: k.namespace,
      sessionId: row.id,
      sessionName: row.name,
      userId: user.id,
      username: user.username,
      image: { reference: image.reference, kind: image.kind as ImageKind },
      cpu: row.cpu,
      memoryGiB: row.memoryGiB,
      gpu,
      token,
      queueName: e.INTERACTIVE_LOCAL_QUEUE,
      priorityClassName: e.INTERACTIVE_PRIORITY_CLASS,
      uid: e.SESSION_UID,
      gid: e.SESSION_GID,
      homeClaimName: homeClaimName(user.id),
      sharedVolumes: parseSharedVolumes(e.SHARED_VOLUMES),
      shmGiB: e.SESSION_SHM_GIB,
      ...(e.NEXTAUTH_URL ? { portalUrl: e.NEXTAUTH_URL } : {}),
    });
    // The home claim and the pod are created together: the pod waits for Kueue's admission (and a
    // real scheduler for a missing claim) anyway, so it needs no claim to exist when it is created.
    const [pvc, created] = await Promise.allSettled([
      ensureHomePvc(k, buildHomePvc({ namespace: k.namespace, userId: user.id, username: user.username, size: e.SESSION_HOME_SIZE, storageClassName: e.SESSION_HOME_STORAGE_CLASS })),
      createPod(k, pod),
    ]);
    pvcCreated = pvc.status === "fulfilled" && pvc.value.created;
    if (pvc.status === "rejected") throw pvc.reason;
    if (created.status === "rejected") throw created.reason;
    const timings: SpawnTimings = { catalogueMs: catalogueRead - started, insertMs: inserted - catalogueRead, kubeMs: performance.now() - inserted };
    if (opts.timings) Object.assign(opts.timings, timings);
    log.debug({ sessionId: row.id, ...timings }, "session spawned");
    return { session: toSessionView(row), created: true };
  } catch (err) {
    const appErr = err instanceof AppError ? err : new AppError("UPSTREAM_UNAVAILABLE", "The session could not be created in the cluster.", undefined, { cause: err });
    log.warn({ err, sessionId: row.id, userId: user.id }, "spawn failed in Kubernetes; rolling back");
    // A timed-out create may still have happened: delete by name regardless of what we know.
    await deletePod(k, row.podName, 0).catch((e2: unknown) => log.error({ err: e2, sessionId: row.id }, "rollback: pod delete failed"));
    if (pvcCreated) await deletePvc(k, homeClaimName(user.id)).catch((e2: unknown) => log.error({ err: e2, sessionId: row.id }, "rollback: home volume delete failed"));
    await db.$transaction(async (tx) => {
      await tx.session.updateMany({
        where: { id: row.id, userId: user.id },
        data: { state: "failed", reason: appErr.message, progress: 100, stoppedAt: new Date() },
      });
      await appendSessionEvent(tx, row.id, { progress: 100, failed: true, message: `Spawn failed: ${appErr.message}` }, "error");
    });
    throw new AppError(appErr.code, `Spawn failed: ${appErr.message}`, { sessionId: row.id }, { cause: err });
  }
}
