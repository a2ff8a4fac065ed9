import { sqlRows, type getPrisma } from "@/lib/db/prisma";
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
 * $1 session id, $2 final (stopped or failed), $3 pod IP, $4 node, $5 state, $6 progress,
 * $7 whether to set the reason, $8 reason, $9 now, $10 event message, $11 level, $12 ready,
 * $13 failed, $14 url.
 */
const APPLY_SQL = `
  WITH cur AS (
    SELECT s.id, s.user_id, s.name, s.port, s.token, s.state::text AS state, s.progress, s.node, s.pod_ip, u.username, i.kind::text AS image_kind
    FROM sessions s JOIN users u ON u.id = s.user_id JOIN images i ON i.id = s.image_id
    WHERE s.id = $1::uuid
    FOR UPDATE OF s
  ), d AS (
    SELECT cur.*,
      cur.state NOT IN ('stopped', 'failed') AND NOT (cur.state = 'stopping' AND NOT $2::boolean) AS applies,
      CASE WHEN $2::boolean THEN NULL ELSE COALESCE($3::text, cur.pod_ip) END AS new_ip,
      COALESCE($4::text, cur.node) AS new_node
    FROM cur
  ), upd AS (
    UPDATE sessions s SET
      state = $5::text::"SessionState",
      progress = $6::int,
      pod_ip = d.new_ip,
      node = d.new_node,
      reason = CASE WHEN $7::boolean THEN $8::text ELSE s.reason END,
      ready_at = CASE WHEN $5::text = 'ready' AND s.ready_at IS NULL THEN $9::timestamptz ELSE s.ready_at END,
      last_activity_at = CASE WHEN $5::text = 'ready' AND s.ready_at IS NULL THEN $9::timestamptz ELSE s.last_activity_at END,
      stopped_at = CASE WHEN $2::boolean THEN $9::timestamptz ELSE s.stopped_at END,
      updated_at = $9::timestamptz
    FROM d
    WHERE s.id = d.id AND d.applies
      AND (d.state <> $5::text OR d.new_ip IS DISTINCT FROM d.pod_ip OR d.new_node IS DISTINCT FROM d.node OR d.progress <> $6::int)
  ), last AS (
    SELECT seq, message, progress FROM session_events WHERE session_id = $1::uuid ORDER BY seq DESC LIMIT 1
  ), ev AS (
    INSERT INTO session_events (id, session_id, seq, progress, message, level, ready, failed, url, created_at)
    SELECT gen_random_uuid(), d.id, COALESCE((SELECT seq FROM last), 0) + 1, $6::int, $10::text, $11::text::"EventLevel",
           $12::boolean, $13::boolean, $14::text, $9::timestamptz
    FROM d
    WHERE d.applies AND NOT EXISTS (SELECT 1 FROM last WHERE last.message = $10::text AND last.progress = $6::int)
  )
  SELECT id, user_id, name, port, token, username, image_kind, state AS from_state, pod_ip AS old_ip, new_ip, applies FROM d`;

/**
 * Writes what the controller observed: state, progress, node, pod IP and one event, in ONE
 * statement, on the pool (sqlRows; row-locked, atomic like a transaction, a fraction of the cost of an interactive one:
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
  const [row] = await sqlRows<Applied>(db, APPLY_SQL, [
    sessionId, final, obs.podIp ?? null, obs.node ?? null, to, e.progress, setReason, obs.reason ?? null, now,
    e.message, obs.level, e.ready ?? false, e.failed ?? false, e.url ?? null,
  ]);
  if (!row) return null;
  if (!row.applies) return row.from_state;
  const podIp = row.new_ip;
  if (routeState(to) !== routeState(row.from_state) || podIp !== row.old_ip) {
    await notifyRoute(db, { id: row.id, userId: row.user_id, name: row.name, podIp, port: row.port, token: row.token, state: to, user: { username: row.username }, image: { kind: row.image_kind as "jupyterlab" | "vscode" } });
  }
  return to;
}
