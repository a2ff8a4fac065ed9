import type { Logger } from "pino";
import { env } from "@/lib/env";
import { getPrisma } from "@/lib/db/prisma";
import { kube } from "@/lib/kube/client";
import { startUsageController, type RunningUsageController } from "./usage-controller";
import type { SharedInformer } from "./shared-informers";
import type { V1Pod } from "@kubernetes/client-node";

/** The usage controller configured from the environment (KUBE_NAMESPACE, USAGE_HEARTBEAT_SECONDS): the one call controller/main.ts makes. */
export function startUsageControllerFromEnv(log: Logger, sessionPods?: SharedInformer<V1Pod>): RunningUsageController {
  const e = env();
  return startUsageController({ db: getPrisma(), kube: kube(), log: log.child({ component: "usage" }), config: { namespace: e.KUBE_NAMESPACE, heartbeatMs: e.USAGE_HEARTBEAT_SECONDS * 1000 }, ...(sessionPods ? { sessionPods } : {}) });
}
