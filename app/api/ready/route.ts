import { databaseReady } from "@/lib/db/ready";

/** Readiness: the database answers and every migration folder has been applied. */
export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  const db = await databaseReady();
  return Response.json(
    { status: db.ok ? "ready" : "not ready", database: db },
    { status: db.ok ? 200 : 503, headers: { "cache-control": "no-store" } },
  );
}
