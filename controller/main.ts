/**
 * `npm run controller`: waits to become the leader (PostgreSQL advisory lock), then keeps session
 * state current from the cluster, reconciles after restarts and culls idle sessions. Losing the
 * leader connection ends the process: the supervisor (npm run dev, Kubernetes) starts it again
 * and it waits for the lock like any other replica.
 */
import { env } from "@/lib/env";
// `service` in each line comes from AI_HUB_SERVICE (npm run controller sets it).
import { log } from "@/lib/log";
import { getPrisma, disconnectPrisma } from "@/lib/db/prisma";
import { kube } from "@/lib/kube/client";
import { createLeaderLock } from "./leader";
import { startSessionController, type RunningController } from "./session-controller";
import { startJobsController, type RunningJobsController } from "./jobs-controller";
import { startUsageControllerFromEnv } from "./usage-start";
import { createSharedInformers, type SharedInformers } from "./shared-informers";
import { lowerOwnPriority } from "./priority";

async function main(): Promise<void> {
  const e = env();
  if (!e.DATABASE_URL) throw new Error("DATABASE_URL is not set: the controller needs the portal's database");
  // Background work: on a shared host the web's requests go first (controller/priority.ts).
  const priority = lowerOwnPriority(e.CONTROLLER_NICE);
  if (priority.errors.length > 0) log.warn({ nice: e.CONTROLLER_NICE, errors: priority.errors }, "could not lower the controller's CPU priority");
  const lock = createLeaderLock(e.DATABASE_URL, { lockName: e.CONTROLLER_LOCK_NAME });
  const abort = new AbortController();
  const running: { controller?: RunningController; jobs?: RunningJobsController; usage?: ReturnType<typeof startUsageControllerFromEnv>; shared?: SharedInformers } = {};

  const shutdown = async (code: number) => {
    abort.abort();
    // Together: each stops taking new work at once, so a tick the shutdown interrupts (PostgreSQL
    // stopping too, as with Ctrl-C on `npm run dev`) is not reported as a failure.
    await Promise.all([running.controller?.stop(), running.jobs?.stop(), running.usage?.stop()].map((p) => p?.catch(() => undefined)));
    await running.shared?.stop().catch(() => undefined);
    await lock.release();
    await disconnectPrisma();
    process.exit(code);
  };
  process.once("SIGINT", () => void shutdown(0));
  process.once("SIGTERM", () => void shutdown(0));

  log.info("waiting for leadership");
  await lock.acquire(abort.signal);
  log.info("leader: starting informers");
  lock.onLost((err) => {
    log.error({ err }, "lost the leader lock; exiting");
    void shutdown(1);
  });
  // One watch per kind for the whole process; each controller registers its handlers before the start.
  const shared = createSharedInformers(kube(), e.KUBE_NAMESPACE, log);
  running.shared = shared;
  const controller = startSessionController({
    db: getPrisma(),
    kube: kube(),
    log,
    shared,
    config: {
      namespace: e.KUBE_NAMESPACE,
      localQueue: e.INTERACTIVE_LOCAL_QUEUE,
      admissionTimeoutMs: e.SESSION_ADMISSION_TIMEOUT * 1000,
      unschedulableGraceMs: e.SESSION_UNSCHEDULABLE_GRACE * 1000,
      orphanGraceMs: e.ORPHAN_GRACE * 1000,
      tickMs: 2000,
      cullEveryMs: e.CULL_EVERY * 1000,
      spawnGraceMs: 30_000,
    },
  });
  running.controller = controller;
  running.jobs = startJobsController({ db: getPrisma(), kube: kube(), log, config: { namespace: e.KUBE_NAMESPACE, localQueue: e.BATCH_LOCAL_QUEUE, tickMs: 2000, submitGraceMs: 30_000 }, workloads: shared.workloads });
  // Usage records (accounting): opened/closed from session pods, job intervals folded in.
  running.usage = startUsageControllerFromEnv(log, shared.sessionPods);
  await shared.start();
  await Promise.all([controller.synced, running.jobs.synced, running.usage.synced]);
  log.info("informers synced");
}

main().catch((err: unknown) => {
  log.fatal({ err }, "controller failed to start");
  process.exit(1);
});
