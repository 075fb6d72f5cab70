-- EXPLAIN (ANALYZE, BUFFERS) of the statements of one 1000-record attendance batch, as
-- POST /api/v1/attendance/batch writes it (AttendanceService.write): the busiest provider's
-- records spread over its active milestones (as the bench's attendance-batch scenario sends
-- them), the lock, the insert, the milestones' and enrollments' progress update, the events.
-- In one transaction, rolled back: run it on your own copy of a seeded database, never on
-- first_step_bench_<scale> itself (the rolled-back rows still leave dead entries behind).
-- Ends with the transaction's updates and how many were HOT.
--
--   psql -h 127.0.0.1 -U postgres -d first_step_bench_medium_<you> \
--        -v idexpr='pg_temp.uuid7()' -v evcols='id,' -v evid='pg_temp.uuid7(),' \
--        -f bench/explain-batch.sql
--
-- idexpr: the records' ids (pg_temp.uuid7(), time-ordered as the app's, or gen_random_uuid()
-- as before it); evcols/evid: give the events' ids the same way ('id,' and 'pg_temp.uuid7(),'),
-- or leave both '' to take the column's default.
-- spread (optional): spread the records over at most this many of the provider's active
-- milestones (default: all of them, as the bench's scenario does). The same spread at every
-- scale holds the batch's shape constant, so what changes is only the data around it.
\set QUIET on
\pset pager off
\if :{?spread}
\else
\set spread 2147483647
\endif
CREATE OR REPLACE FUNCTION pg_temp.uuid7() RETURNS uuid LANGUAGE sql VOLATILE AS $$
  SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) PLACING
    substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3) FROM 1 FOR 6),
    52, 1), 53, 1), 'hex')::uuid
$$;
BEGIN;
SELECT m.provider_agency_id AS provider FROM milestones m JOIN enrollments e ON e.id = m.enrollment_id
 WHERE e.status = 'active' AND EXISTS (SELECT 1 FROM users u WHERE u.agency_id = m.provider_agency_id
   AND u.role = 'provider' AND u.disabled_at IS NULL)
 GROUP BY m.provider_agency_id ORDER BY count(*) DESC, m.provider_agency_id LIMIT 1 \gset
SELECT id AS recorder FROM users WHERE agency_id = :'provider' AND role = 'provider' LIMIT 1 \gset
CREATE TEMP TABLE am ON COMMIT DROP AS
  SELECT row_number() OVER (ORDER BY m.id) AS n, m.id, m.enrollment_id, e.start_date AS d0,
         least(e.scheduled_end_date, current_date) AS d1
    FROM milestones m JOIN enrollments e ON e.id = m.enrollment_id
   WHERE m.provider_agency_id = :'provider' AND e.status = 'active' AND e.start_date <= current_date;
SELECT least(count(*), :spread) AS active_milestones FROM am \gset
CREATE TEMP TABLE b ON COMMIT DROP AS
  SELECT :idexpr AS id, am.id AS milestone_id, am.enrollment_id,
         am.d0 + floor(random() * (am.d1 - am.d0 + 1))::int AS session_date,
         (CASE WHEN random() < 0.8 THEN 'present' ELSE 'absent' END)::attendance_status AS status,
         'explain-' || txid_current() || '-' || g AS external_id
    FROM (SELECT g, 1 + floor(random() * :active_milestones)::int AS k
            FROM generate_series(1, 1000) g OFFSET 0) r
    JOIN am ON am.n = r.k;
SELECT count(DISTINCT milestone_id) AS milestones, count(DISTINCT enrollment_id) AS enrollments FROM b;
\set QUIET off
\echo '--- 1. lock'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT m.id, e.status FROM milestones m JOIN enrollments e ON e.id = m.enrollment_id
 WHERE m.id = ANY(ARRAY(SELECT DISTINCT milestone_id FROM b)) AND m.provider_agency_id = :'provider'
 ORDER BY e.id, m.id FOR NO KEY UPDATE;
\echo '--- 3. insert records'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
INSERT INTO attendance_records (id, milestone_id, enrollment_id, session_date, status,
  duration_minutes, notes, external_id, session_started_at, provider_agency_id, recorded_by)
SELECT id, milestone_id, enrollment_id, session_date, status, 60, NULL, external_id, NULL, :'provider', :'recorder' FROM b
ON CONFLICT (provider_agency_id, external_id) WHERE external_id IS NOT NULL DO NOTHING;
\echo '--- 4a. milestones'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
UPDATE milestones m SET attended_sessions = m.attended_sessions + c.present,
  recorded_sessions = m.recorded_sessions + c.recorded,
  met_at = CASE WHEN c.present = 0 THEN m.met_at WHEN m.attended_sessions + c.present >= m.required_sessions THEN coalesce(m.met_at, now()) END,
  version = m.version + CASE WHEN c.present > 0 THEN 1 ELSE 0 END,
  updated_at = CASE WHEN c.present > 0 THEN now() ELSE m.updated_at END
FROM (SELECT milestone_id, (count(*) FILTER (WHERE status = 'present'))::int AS present, count(*)::int AS recorded FROM b GROUP BY 1) c
WHERE m.id = c.milestone_id;
\echo '--- 4b. enrollments'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
UPDATE enrollments e SET first_service_at = least(e.first_service_at, f.at), version = e.version + 1, updated_at = now()
FROM (SELECT enrollment_id, min(session_date)::timestamptz AS at FROM b WHERE status = 'present' GROUP BY 1) f
WHERE e.id = f.enrollment_id;
\echo '--- 5. events'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
INSERT INTO outbox_events (:evcols type, enrollment_id, agency_id, data)
SELECT :evid 'attendance.recorded', enrollment_id, NULL::uuid,
  jsonb_build_object('attendanceId', id, 'milestoneId', milestone_id, 'enrollmentId', enrollment_id,
    'category', 'education', 'status', status, 'sessionDate', session_date, 'version', 1) FROM b;
SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname IN ('milestones','enrollments') ORDER BY relname;
ROLLBACK;
