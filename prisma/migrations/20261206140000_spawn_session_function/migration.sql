-- A session's spawn in one statement (lib/sessions/spawn-session.ts): the per-user lock, the
-- idempotency lookup, the counts the limits are checked against, the name, and the inserts
-- (session, its first event, the group it is charged to). One round trip instead of a transaction
-- of five; the spawn path's web CPU is dominated by per-statement client overhead.
--
-- The limit rules stay in TypeScript (lib/sessions/limits.ts, which also writes the messages):
-- this function inserts only when the caller says the request itself fits (CPU, memory) and the
-- counts it reads under the lock leave room (sessions, GPUs); otherwise it returns the counts
-- and the caller explains the refusal from them. A GPU request of a group that has a budget is
-- not inserted here unless p_budget_checked: the caller then runs it inside a transaction that
-- takes the group's budget lock and checks the usage (lib/budgets), as before.
--
-- Results: 'created' (session_name, requested_at), 'existing' (existing_id: same idempotency
-- key), 'limits' (active_sessions, active_gpus), 'name_taken' (session_name), 'budget'.
-- Each statement in a PL/pgSQL function takes its own snapshot under READ COMMITTED, so the counts
-- are read after the lock is held and include every spawn of this user that committed before.
CREATE FUNCTION ai_hub_spawn_session(
  p_user_id UUID,
  p_id UUID,
  p_event_id UUID,
  p_name TEXT,
  p_idempotency_key TEXT,
  p_image_id UUID,
  p_profile_id UUID,
  p_profile_key TEXT,
  p_gpu_count INTEGER,
  p_cpu DOUBLE PRECISION,
  p_memory_gib DOUBLE PRECISION,
  p_namespace TEXT,
  p_pod_name TEXT,
  p_token TEXT,
  p_charge_group TEXT,
  p_active_states "SessionState"[],
  p_request_fits BOOLEAN,
  p_max_sessions INTEGER,
  p_max_gpus INTEGER,
  p_budget_checked BOOLEAN
) RETURNS TABLE (result TEXT, existing_id UUID, session_name TEXT, requested_at TIMESTAMPTZ, active_sessions INTEGER, active_gpus INTEGER)
LANGUAGE plpgsql VOLATILE
-- The portal's connections plan every execution for its values (plan_cache_mode, lib/db/prisma.ts),
-- which the reports need; this function's statements are key lookups and inserts, planned once
-- per connection and reused (it halved the function's time in PostgreSQL).
SET plan_cache_mode = auto
AS $$
DECLARE
  v_names TEXT[];
  v_name TEXT := p_name;
  i INTEGER := 1;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('ai-hub:spawn:' || p_user_id::text));
  IF p_idempotency_key IS NOT NULL THEN
    SELECT s.id INTO existing_id FROM sessions s WHERE s.user_id = p_user_id AND s.idempotency_key = p_idempotency_key;
    IF FOUND THEN
      result := 'existing';
      RETURN NEXT;
      RETURN;
    END IF;
  END IF;

  SELECT count(*)::integer, COALESCE(sum(s.gpu_count), 0)::integer, COALESCE(array_agg(s.name), '{}')
    INTO active_sessions, active_gpus, v_names
    FROM sessions s WHERE s.user_id = p_user_id AND s.state = ANY (p_active_states);
  IF NOT p_request_fits OR active_sessions + 1 > p_max_sessions OR (p_gpu_count > 0 AND active_gpus + p_gpu_count > p_max_gpus) THEN
    result := 'limits';
    RETURN NEXT;
    RETURN;
  END IF;

  IF v_name IS NULL THEN
    LOOP
      v_name := 'session-' || i;
      EXIT WHEN NOT (v_name = ANY (v_names));
      i := i + 1;
    END LOOP;
  ELSIF v_name = ANY (v_names) THEN
    result := 'name_taken';
    session_name := v_name;
    RETURN NEXT;
    RETURN;
  END IF;

  IF p_gpu_count > 0 AND NOT p_budget_checked
     AND EXISTS (SELECT 1 FROM budgets b WHERE b."group" = p_charge_group AND b.profile_key IN ('*', p_profile_key)) THEN
    result := 'budget';
    RETURN NEXT;
    RETURN;
  END IF;

  INSERT INTO usage_charges (source, source_id, group_charged) VALUES ('session', p_id, p_charge_group)
    ON CONFLICT (source, source_id) DO UPDATE SET group_charged = EXCLUDED.group_charged;
  INSERT INTO sessions (id, user_id, name, image_id, profile_id, gpu_count, cpu, memory_gib, state, progress, namespace, pod_name, token, idempotency_key, updated_at)
    VALUES (p_id, p_user_id, v_name, p_image_id, p_profile_id, p_gpu_count, p_cpu, p_memory_gib, 'requested', 5, p_namespace, p_pod_name, p_token, p_idempotency_key, CURRENT_TIMESTAMP)
    RETURNING sessions.created_at INTO requested_at;
  INSERT INTO session_events (id, session_id, seq, progress, message, level, created_at)
    VALUES (p_event_id, p_id, 1, 5, 'Session requested.', 'info', requested_at);
  result := 'created';
  session_name := v_name;
  RETURN NEXT;
END
$$;
