import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { BatchJob, Prisma } from "@/lib/generated/prisma/client";
import { getPrisma, type Db } from "@/lib/db/prisma";
import { AppError } from "@/lib/errors/app-error";
import { assertWithinBudget, chargeUpsertSql } from "@/lib/budgets/assert-within-budget";
import { findEnabledImage, findEnabledProfile, policiesOf } from "@/lib/catalog/catalogue-cache";
import { env } from "@/lib/env";
import { log } from "@/lib/log";
import { gpuRequestOf, profileAllowed } from "@/lib/gpu/gpu-request";
import { kube, toAppError, type KubeClients } from "@/lib/kube/client";
import { homeClaimName, labelValue } from "@/lib/kube/labels";
import { parseSharedVolumes } from "@/lib/kube/session-pod";
import { effectiveLimits } from "@/lib/sessions/limits";
import { batchPriorities, buildBatchJob, jobBaseFromPod, jobK8sName, type JobBase } from "@/lib/batch/job-from-session";
import { createJob, deleteJob } from "@/lib/batch/batch-objects";
import { appendJobEvent } from "@/lib/batch/job-events";
import { toJobView, type BatchJobView } from "@/lib/batch/job-view";

/**
 * Submitting a batch job: validate (script, trials, deadline, profile allowed for the user's
 * groups, CPU and memory within the group's maxima), resolve the origin (the caller's running
 * session, read live from its pod, or a catalogue image), write the row, create the Job. A
 * Kubernetes error deletes whatever may have been created and marks the row failed: never a
 * half-created Job.
 */

export const MAX_SCRIPT_BYTES = 64 * 1024;

export const submitJobSchema = z
  .object({
    /** Session id or name (the caller's, running). Absent for a full spec. */
    session: z.string().min(1).max(100).optional(),
    /** Image id or name from the catalogue; required without a session. */
    image: z.string().min(1).max(200).optional(),
    name: z.string().trim().min(1).max(100).optional(),
    script: z
      .string()
      .refine((s) => s.trim().length > 0, "the script is empty; write the commands to run")
      .refine((s) => Buffer.byteLength(s, "utf8") <= MAX_SCRIPT_BYTES, `the script is larger than ${MAX_SCRIPT_BYTES / 1024} KiB; put the code in a file in your home and run that`),
    workingDir: z.string().regex(/^\/[^\0]*$/, "must be an absolute path such as /home/you/project").max(1000).optional(),
    /** GPU profile key; null for CPU only; absent = the session's profile (or CPU only for a full spec). */
    profile: z.string().min(1).max(100).nullish(),
    cpu: z.number().positive().max(256).optional(),
    memoryGiB: z.number().positive().max(4096).optional(),
    trials: z.number().int().min(1, "at least 1 trial").default(1),
    deadlineSeconds: z.number().int().min(60, "at least 60 seconds").default(3600),
    priority: z.enum(batchPriorities).default("normal"),
    target: z.enum(["local", "offload"]).default("local"),
  })
  .refine((v) => v.session || v.image, { message: "give a session to copy, or an image", path: ["session"] });
export type SubmitJobInput = z.input<typeof submitJobSchema>;

export interface BatchUser {
  id: string;
  username: string;
  groups: string[];
}

function invalid(field: string, message: string, code: "INVALID" | "FORBIDDEN" | "NOT_FOUND" | "CONFLICT" = "INVALID"): AppError {
  return new AppError(code, message, { fields: { [field]: message } });
}


async function sessionBase(db: Db, k: KubeClients, userId: string, ref: string) {
  const isId = z.uuid().safeParse(ref).success;
  const session = await db.session.findFirst({
    where: { userId, ...(isId ? { id: ref } : { name: ref, state: { notIn: ["stopped", "failed"] } }) },
    include: { profile: true },
    orderBy: { createdAt: "desc" },
  });
  if (!session) throw invalid("session", `You have no session "${ref}".`, "NOT_FOUND");
  if (session.state !== "ready") throw invalid("session", `Session ${session.name} is ${session.state}, not running; start it first or submit with an image.`, "CONFLICT");
  let pod;
  try {
    pod = await k.core.readNamespacedPod({ name: session.podName, namespace: session.namespace });
  } catch (e) {
    throw toAppError(e, "reading the session's pod");
  }
  return { session, base: jobBaseFromPod(pod) };
}

function imageBase(reference: string, user: BatchUser): JobBase {
  const { username } = user;
  const e = env();
  const home = `/home/${labelValue(username) || "user"}`;
  const shared = parseSharedVolumes(e.SHARED_VOLUMES);
  return {
    image: reference,
    env: [
      { name: "HOME", value: home },
      { name: "NB_USER", value: username },
      { name: "NB_UID", value: String(e.SESSION_UID) },
      { name: "NB_GID", value: String(e.SESSION_GID) },
    ],
    volumes: [
      { name: "home", persistentVolumeClaim: { claimName: homeClaimName(user.id) } },
      { name: "dshm", emptyDir: { medium: "Memory", sizeLimit: `${Math.round(e.SESSION_SHM_GIB * 1024)}Mi` } },
      ...shared.map((v, i) => ({ name: `shared-${i}`, persistentVolumeClaim: { claimName: v.claimName, readOnly: v.readOnly } })),
    ],
    volumeMounts: [
      { name: "home", mountPath: home },
      { name: "dshm", mountPath: "/dev/shm" },
      ...shared.map((v, i) => ({ name: `shared-${i}`, mountPath: v.mountPath, readOnly: v.readOnly })),
    ],
    podSecurityContext: { runAsUser: e.SESSION_UID, runAsGroup: e.SESSION_GID, fsGroup: e.SESSION_GID, runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
    containerSecurityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
    workingDir: home,
  };
}

/**
 * A CPU-only job: budgets never refuse it (lib/budgets takes no lock and reads no usage for it), so
 * no transaction is needed — one statement writes the row and the group it is charged to (the
 * usage_charges row assertWithinBudget writes for GPU jobs). Columns left out take their defaults.
 */
async function insertCpuJob(db: Db, d: Omit<BatchJob, "createdAt" | "updatedAt" | "admittedAt" | "startedAt" | "finishedAt" | "cancelledAt" | "stateDetail" | "exitCode" | "queuePosition" | "spec"> & { spec: Prisma.InputJsonValue }, group: string): Promise<BatchJob> {
  const [r] = await db.$queryRaw<Array<{ created_at: Date; updated_at: Date }>>`
    WITH charge AS (${chargeUpsertSql("job", d.id, group)})
    INSERT INTO batch_jobs (id, user_id, session_id, name, k8s_name, namespace, spec, image, profile_key, gpu_count, cpu, memory_gib, trials, deadline_seconds, priority, target, state, state_reason, state_message, updated_at)
    VALUES (${d.id}::uuid, ${d.userId}::uuid, ${d.sessionId}::uuid, ${d.name}, ${d.k8sName}, ${d.namespace}, ${JSON.stringify(d.spec)}::jsonb, ${d.image}, ${d.profileKey}, ${d.gpuCount},
            ${d.cpu}::float8, ${d.memoryGiB}::float8, ${d.trials}, ${d.deadlineSeconds}, ${d.priority}, ${d.target}::"BatchTarget", 'submitted', ${d.stateReason}, ${d.stateMessage}, CURRENT_TIMESTAMP)
    RETURNING created_at, updated_at`;
  return {
    ...d,
    spec: d.spec as BatchJob["spec"],
    createdAt: r!.created_at,
    updatedAt: r!.updated_at,
    admittedAt: null,
    startedAt: null,
    finishedAt: null,
    cancelledAt: null,
    stateDetail: null,
    exitCode: null,
    queuePosition: null,
  };
}

/** Filled in when given: where a submission spent its time (bench/batch.ts reports it). */
export interface SubmitTimings {
  validateMs: number;
  dbMs: number;
  kubeMs: number;
}

export async function submitJob(opts: { user: BatchUser; input: unknown; db?: ReturnType<typeof getPrisma>; kube?: KubeClients; timings?: SubmitTimings }): Promise<BatchJobView> {
  const t0 = performance.now();
  const input = submitJobSchema.parse(opts.input);
  const db = opts.db ?? getPrisma();
  const k = opts.kube ?? kube();
  const e = env();
  const { user } = opts;

  if (input.trials > e.BATCH_MAX_TRIALS) throw invalid("trials", `At most ${e.BATCH_MAX_TRIALS} parallel trials per job; choose fewer.`);
  if (input.deadlineSeconds > e.BATCH_MAX_DEADLINE_SECONDS) {
    throw invalid("deadlineSeconds", `The time limit may be at most ${Math.floor(e.BATCH_MAX_DEADLINE_SECONDS / 3600)} h; choose a shorter one.`);
  }

  // Read in parallel with the origin; a rejection is handled where it is awaited (or ignored if validation fails first).
  const policiesP = policiesOf(db, user.groups);
  policiesP.catch(() => undefined);
  // Origin: the session (image, env, volumes, security context of its live pod) or a catalogue image.
  let origin: { base: JobBase; sessionId: string | null; profileKey: string | null; cpu: number; memoryGiB: number; imageName: string };
  if (input.session) {
    const { session, base } = await sessionBase(db, k, user.id, input.session);
    origin = { base, sessionId: session.id, profileKey: session.profile?.key ?? null, cpu: session.cpu, memoryGiB: session.memoryGiB, imageName: base.image };
  } else {
    const ref = input.image!;
    const image = await findEnabledImage(db, ref);
    if (!image) throw invalid("image", `Unknown image "${ref}"; choose one of the catalogue's images.`);
    const base = imageBase(image.reference, user);
    origin = { base, sessionId: null, profileKey: null, cpu: 1, memoryGiB: 4, imageName: image.reference };
  }

  const profileKey = input.profile === undefined ? origin.profileKey : input.profile;
  const profile = profileKey ? await findEnabledProfile(db, profileKey) : null;
  if (profileKey && !profile) throw invalid("profile", `Unknown GPU profile "${profileKey}"; choose one of the profiles offered or CPU only.`);
  if (profile && !profileAllowed(profile, user.groups)) throw invalid("profile", `The GPU profile ${profile.key} is not available to your groups; choose another.`, "FORBIDDEN");

  const cpu = input.cpu ?? origin.cpu;
  const memoryGiB = input.memoryGiB ?? origin.memoryGiB;
  const policies = await policiesP;
  const limits = effectiveLimits(user.groups, policies, { maxSessions: 0, maxGpus: 0, maxCpu: e.SESSION_MAX_CPU, maxMemoryGiB: e.SESSION_MAX_MEMORY_GIB });
  if (cpu > limits.maxCpu) throw invalid("cpu", `At most ${limits.maxCpu} CPUs per trial for your groups; choose fewer.`);
  if (memoryGiB > limits.maxMemoryGiB) throw invalid("memoryGiB", `At most ${limits.maxMemoryGiB} GiB of memory per trial for your groups; choose less.`);

  const id = randomUUID();
  const k8sName = jobK8sName(id);
  const job = buildBatchJob({
    namespace: k.namespace,
    jobId: id,
    userId: user.id,
    username: user.username,
    sessionId: origin.sessionId,
    base: origin.base,
    script: input.script,
    workingDir: input.workingDir ?? null,
    cpu,
    memoryGiB,
    gpu: profile ? gpuRequestOf(profile) : null,
    trials: input.trials,
    deadlineSeconds: input.deadlineSeconds,
    priority: input.priority,
    target: input.target,
    localQueue: e.BATCH_LOCAL_QUEUE,
    podPriorityClassName: e.BATCH_PRIORITY_CLASS,
    ttlSecondsAfterFinished: e.BATCH_TTL_SECONDS,
  });

  // The resolved spec: Resubmit replays exactly this (profile and resources included).
  const spec = { ...input, profile: profile?.key ?? null, cpu, memoryGiB } as Prisma.InputJsonValue;
  const t1 = performance.now();
  // The "Submitted" history entry is the row itself (getJob shows it first, at createdAt); the
  // controller's observations follow from seq 1.
  const data = {
    id,
    userId: user.id,
    sessionId: origin.sessionId,
    name: input.name ?? `${input.script.trim().split("\n")[0]!.slice(0, 60)}`,
    k8sName,
    namespace: k.namespace,
    spec,
    image: origin.imageName,
    profileKey: profile?.key ?? null,
    gpuCount: profile?.gpuCount ?? 0,
    cpu,
    memoryGiB,
    trials: input.trials,
    deadlineSeconds: input.deadlineSeconds,
    priority: input.priority,
    target: input.target,
    state: "submitted" as const,
    stateReason: "Submitted",
    stateMessage: "Submitted: waiting for Kueue to see it.",
  };
  const requestedGpus = data.gpuCount * input.trials;
  const budget = { userId: user.id, userGroups: user.groups, group: null, profileKey: data.profileKey, requestedGpus };
  const row: BatchJob = requestedGpus > 0
    ? // A GPU request may meet a group budget: the check (and its lock) shares the row's transaction.
      await db.$transaction(async (tx) => {
        await assertWithinBudget(tx, { ...budget, charge: { source: "job", sourceId: id } });
        return tx.batchJob.create({ data });
      })
    : await insertCpuJob(db, data, (await assertWithinBudget(db, budget)).group);
  try {
    const t2 = performance.now();
    await createJob(k, job);
    if (opts.timings) Object.assign(opts.timings, { validateMs: t1 - t0, dbMs: t2 - t1, kubeMs: performance.now() - t2 });
    return toJobView(row);
  } catch (err) {
    const appErr = err instanceof AppError ? err : new AppError("UPSTREAM_UNAVAILABLE", "The job could not be created in the cluster.", undefined, { cause: err });
    log.warn({ err, jobId: id, userId: user.id }, "batch submit failed in Kubernetes; rolling back");
    // A timed-out create may still have happened: delete by name regardless of what we know.
    await deleteJob(k, k8sName).catch((e2: unknown) => log.error({ err: e2, jobId: id }, "rollback: job delete failed"));
    await db.$transaction(async (tx) => {
      await tx.batchJob.updateMany({
        where: { id, userId: user.id },
        data: { state: "failed", stateReason: "SubmitFailed", stateMessage: `Could not be created: ${appErr.message}`, finishedAt: new Date() },
      });
      await appendJobEvent(tx, id, { state: "failed", reason: "SubmitFailed", message: `Could not be created: ${appErr.message}` });
    });
    throw new AppError(appErr.code, `Submit failed: ${appErr.message}`, { jobId: id, ...(appErr.details?.fields ? { fields: appErr.details.fields } : {}) }, { cause: err });
  }
}

/** Submits a copy of one of the caller's jobs, with the spec it was submitted with. */
export async function resubmitJob(opts: { user: BatchUser; jobId: string; db?: ReturnType<typeof getPrisma>; kube?: KubeClients }): Promise<BatchJobView> {
  const db = opts.db ?? getPrisma();
  const row = /^[0-9a-f-]{36}$/i.test(opts.jobId) ? await db.batchJob.findFirst({ where: { id: opts.jobId, userId: opts.user.id } }) : null;
  if (!row) throw new AppError("NOT_FOUND", "No such batch job.");
  const spec = { ...(row.spec as Record<string, unknown>) };
  // The session may have ended since: copy its image instead, keeping everything else.
  if (spec.session && row.sessionId) {
    const s = await db.session.findFirst({ where: { id: row.sessionId, userId: opts.user.id }, select: { state: true, imageId: true } });
    if (!s || s.state !== "ready") {
      delete spec.session;
      spec.image = s?.imageId ?? undefined;
      if (!spec.image) throw invalid("session", "The session this job came from no longer exists; submit a new job with an image.", "CONFLICT");
    } else spec.session = row.sessionId;
  }
  return submitJob({ user: opts.user, input: spec, db, ...(opts.kube ? { kube: opts.kube } : {}) });
}
