import { z } from "zod";
import { getPrisma, sqlRows, type Db } from "@/lib/db/prisma";
import { AppError } from "@/lib/errors/app-error";
import { FINAL_STATES, toSessionView, type SessionRowForView, type SessionView } from "@/lib/sessions/session-view";

/**
 * Session rows with what toSessionView needs, in one statement on the pool (sqlRows): the session
 * list is read on every refresh of every user's sessions page and API poll. `WHERE` goes last.
 */
const VIEW_SELECT = `
  SELECT s.id, s.name, s.state::text AS state, s.reason, s.progress, s.cpu, s.memory_gib AS "memoryGiB", s.gpu_count AS "gpuCount",
         s.node, s.created_at AS "createdAt", s.ready_at AS "readyAt", s.stopped_at AS "stoppedAt",
         s.last_activity_at AS "lastActivityAt", s.cull_warning_at AS "cullWarningAt",
         i.id AS image_id, i.name AS image_name, i.kind::text AS image_kind,
         p.key AS profile_key, p.display_name AS profile_display_name, p.cull_exempt AS profile_cull_exempt,
         u.username
  FROM sessions s
  JOIN images i ON i.id = s.image_id
  JOIN users u ON u.id = s.user_id
  LEFT JOIN gpu_profiles p ON p.id = s.profile_id`;

/** A row of VIEW_SELECT: the session's own columns as SessionRowForView names them, its relations flat. */
type ViewRow = Omit<SessionRowForView, "image" | "profile" | "user"> & {
  image_id: string;
  image_name: string;
  image_kind: string;
  profile_key: string | null;
  profile_display_name: string | null;
  profile_cull_exempt: boolean | null;
  username: string;
};

function toRow({ image_id, image_name, image_kind, profile_key, profile_display_name, profile_cull_exempt, username, ...session }: ViewRow): SessionRowForView {
  return {
    ...session,
    image: { id: image_id, name: image_name, kind: image_kind },
    profile: profile_key === null ? null : { key: profile_key, displayName: profile_display_name!, cullExempt: profile_cull_exempt! },
    user: { username },
  };
}

const LIST_SQL = `${VIEW_SELECT}
  WHERE s.user_id = $1::uuid AND (s.state <> ALL ($2::"SessionState"[]) OR s.stopped_at >= $3::timestamptz)
  ORDER BY s.created_at DESC
  LIMIT 200`;

/** The caller's sessions, newest first: active ones, plus those that ended in the last `recentHours`. */
export async function listSessions(opts: { userId: string; recentHours?: number; db?: Db }): Promise<SessionView[]> {
  const since = new Date(Date.now() - (opts.recentHours ?? 24) * 3_600_000);
  const rows = await sqlRows<ViewRow>(opts.db ?? getPrisma(), LIST_SQL, [opts.userId, FINAL_STATES, since]);
  return rows.map((r) => toSessionView(toRow(r)));
}

const ONE_SQL = `${VIEW_SELECT}
  WHERE s.id = $1::uuid AND s.user_id = $2::uuid`;

/** One session of the caller; someone else's session is NOT_FOUND, not FORBIDDEN (no existence leak). */
export async function getSession(opts: { userId: string; sessionId: string; db?: Db }): Promise<SessionView> {
  if (!z.uuid().safeParse(opts.sessionId).success) throw new AppError("NOT_FOUND", "No such session.");
  const [row] = await sqlRows<ViewRow>(opts.db ?? getPrisma(), ONE_SQL, [opts.sessionId, opts.userId]);
  if (!row) throw new AppError("NOT_FOUND", "No such session.");
  return toSessionView(toRow(row));
}
