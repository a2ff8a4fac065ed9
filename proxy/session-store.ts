/**
 * The proxy's two touch points with the sessions data, through lib/sessions and Prisma: the full
 * route table for (re)builds, and one batched write of last-activity times.
 */
import { getPrisma } from "@/lib/db/prisma";
import { listRoutes } from "@/lib/sessions/routes";
import type { Route } from "./route-table";

export async function loadRoutesFromDb(): Promise<Route[]> {
  return listRoutes(getPrisma());
}

/** Writes a batch of last-activity times; a time never moves backwards. One transaction per batch. */
export async function flushActivityToDb(batch: Map<string, Date>): Promise<void> {
  const db = getPrisma();
  await db.$transaction(
    [...batch].map(([id, at]) =>
      db.session.updateMany({ where: { id, OR: [{ lastActivityAt: null }, { lastActivityAt: { lt: at } }] }, data: { lastActivityAt: at } }),
    ),
  );
}
