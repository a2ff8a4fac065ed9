import type { getPrisma } from "@/lib/db/prisma";
import type { Observation, SessionState } from "@/lib/sessions/progress";
import { notifyRoute, routeState } from "@/lib/sessions/routes";

const FINAL: SessionState[] = ["stopped", "failed"];

interface Applied {
  id: string;
  user_id: string;
  name: string;
  port: number;
  token: string;
  username: string;
  image_kind: string;
  from_state: SessionState;
  old_ip: string | null;
  new_ip: string | null;
  applies: boolean;
}

/**
 * Writes what the controller observed: state, progress, node, pod IP and one event, in ONE
 * statement (row-locked, atomic like a transaction, a fraction of the cost of an interactive one:
 * the controller writes a few times per session, and a hackathon's burst of spawns is a few hundred
 * writes in seconds). A final session is never revived, and a session being stopped only moves on
 * to stopped or failed; nothing changes then, and no event is added. An event equal to the last
 * one is not repeated. When the route changes (ready, stopped, new pod IP) the proxy is told after
 * the write. Returns the state written (or kept); null when the session does not exist.
 */
export async function applyObservation(db: ReturnType<typeof getPrisma>, sessionId: string, obs: Observation, now = new Date()): Promise<SessionState | null> {
  const to = obs.state;
  const final = FINAL.includes(to);
  const e = obs.event;
  const setReason = obs.reason !== undefined && final;
  const [row] = await db.$queryRaw<Applied[]>`
    WITH cur AS (
      SELECT s.id, s.user_id, s.name, s.port, s.token, s.state::text AS state, s.progress, s.node, s.pod_ip, u.username, i.kind::text AS image_kind
      FROM sessions s JOIN users u ON u.id = s.user_id JOIN images i ON i.id = s.image_id
      WHERE s.id = ${sessionId}::uuid
      FOR UPDATE OF s
    ), d AS (
      SELECT cur.*,
        cur.state NOT IN ('stopped', 'failed') AND NOT (cur.state = 'stopping' AND NOT ${final}) AS applies,
        CASE WHEN ${final} THEN NULL ELSE COALESCE(${obs.podIp ?? null}::text, cur.pod_ip) END AS new_ip,
        COALESCE(${obs.node ?? null}::text, cur.node) AS new_node
      FROM cur
    ), upd AS (
      UPDATE sessions s SET
        state = ${to}::"SessionState",
        progress = ${e.progress}::int,
        pod_ip = d.new_ip,
        node = d.new_node,
        reason = CASE WHEN ${setReason} THEN ${obs.reason ?? null}::text ELSE s.reason END,
        ready_at = CASE WHEN ${to} = 'ready' AND s.ready_at IS NULL THEN ${now}::timestamptz ELSE s.ready_at END,
        last_activity_at = CASE WHEN ${to} = 'ready' AND s.ready_at IS NULL THEN ${now}::timestamptz ELSE s.last_activity_at END,
        stopped_at = CASE WHEN ${final} THEN ${now}::timestamptz ELSE s.stopped_at END,
        updated_at = ${now}::timestamptz
      FROM d
      WHERE s.id = d.id AND d.applies
        AND (d.state <> ${to} OR d.new_ip IS DISTINCT FROM d.pod_ip OR d.new_node IS DISTINCT FROM d.node OR d.progress <> ${e.progress}::int)
    ), last AS (
      SELECT seq, message, progress FROM session_events WHERE session_id = ${sessionId}::uuid ORDER BY seq DESC LIMIT 1
    ), ev AS (
      INSERT INTO session_events (id, session_id, seq, progress, message, level, ready, failed, url, created_at)
      SELECT gen_random_uuid(), d.id, COALESCE((SELECT seq FROM last), 0) + 1, ${e.progress}::int, ${e.message}, ${obs.level}::"EventLevel",
             ${e.ready ?? false}, ${e.failed ?? false}, ${e.url ?? null}::text, ${now}::timestamptz
      FROM d
      WHERE d.applies AND NOT EXISTS (SELECT 1 FROM last WHERE last.message = ${e.message} AND last.progress = ${e.progress}::int)
    )
    SELECT id, user_id, name, port, token, username, image_kind, state AS from_state, pod_ip AS old_ip, new_ip, applies FROM d`;
  if (!row) return null;
  if (!row.applies) return row.from_state;
  const podIp = row.new_ip;
  if (routeState(to) !== routeState(row.from_state) || podIp !== row.old_ip) {
    await notifyRoute(db, { id: row.id, userId: row.user_id, name: row.name, podIp, port: row.port, token: row.token, state: to, user: { username: row.username }, image: { kind: row.image_kind as "jupyterlab" | "vscode" } });
  }
  return to;
}
