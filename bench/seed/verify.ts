import type { Client } from 'pg';

/**
 * Rules of the app that the schema does not enforce, checked on the loaded data (the schema's
 * own constraints were checked while loading). Each query counts the rows breaking one rule.
 */
const CHECKS: { rule: string; sql: string }[] = [
  {
    rule: "milestones.attended_sessions is the count of its 'present' attendance",
    sql: `SELECT count(*) FROM milestones m
           LEFT JOIN (SELECT milestone_id, count(*) AS n FROM attendance_records
                       WHERE status = 'present' GROUP BY milestone_id) a ON a.milestone_id = m.id
          WHERE m.attended_sessions <> coalesce(a.n, 0)`,
  },
  {
    rule: 'milestones.recorded_sessions is the count of its attendance not voided',
    sql: `SELECT count(*) FROM milestones m
           LEFT JOIN (SELECT milestone_id, count(*) AS n FROM attendance_records
                       WHERE voided_at IS NULL GROUP BY milestone_id) a ON a.milestone_id = m.id
          WHERE m.recorded_sessions <> coalesce(a.n, 0)`,
  },
  {
    rule: 'met_at is set exactly when attended_sessions reaches required_sessions',
    sql: `SELECT count(*) FROM milestones
          WHERE (met_at IS NOT NULL) <> (attended_sessions >= required_sessions)`,
  },
  {
    rule: 'every milestone of an enrollment in or past court review is met',
    sql: `SELECT count(*) FROM milestones m JOIN enrollments e ON e.id = m.enrollment_id
          WHERE e.status IN ('pending_court_review', 'completed') AND m.met_at IS NULL`,
  },
  {
    rule: "milestone providers offer the milestone's service",
    sql: `SELECT count(*) FROM milestones m JOIN agencies a ON a.id = m.provider_agency_id
          WHERE NOT (m.category::text = ANY (a.services))`,
  },
  {
    rule: "attendance lies within its enrollment's period, not after the seeding day",
    sql: `SELECT count(*) FROM attendance_records r JOIN enrollments e ON e.id = r.enrollment_id
          WHERE r.session_date < e.start_date OR r.session_date > e.scheduled_end_date
             OR r.session_date >= current_date`,
  },
  {
    rule: "attendance names its milestone's enrollment and provider",
    sql: `SELECT count(*) FROM attendance_records r JOIN milestones m ON m.id = r.milestone_id
          WHERE r.enrollment_id <> m.enrollment_id OR r.provider_agency_id <> m.provider_agency_id`,
  },
  {
    rule: 'first_service_at is set exactly when a present session exists',
    sql: `SELECT count(*) FROM enrollments e
          WHERE (e.first_service_at IS NOT NULL) <> EXISTS (SELECT 1 FROM attendance_records r
                 WHERE r.enrollment_id = e.id AND r.status = 'present')`,
  },
  {
    rule: 'an arrest record is sealed exactly when its enrollment is completed',
    sql: `SELECT count(*) FROM enrollments e JOIN arrest_records ar ON ar.id = e.arrest_record_id
          WHERE (ar.status = 'sealed') <> (e.status = 'completed')`,
  },
  {
    rule: 'completed enrollments have a confirmed court review and a notice to the arresting agency',
    sql: `SELECT count(*) FROM enrollments e JOIN arrest_records ar ON ar.id = e.arrest_record_id
          WHERE e.status = 'completed' AND (
            NOT EXISTS (SELECT 1 FROM court_reviews r WHERE r.enrollment_id = e.id AND r.decision = 'confirmed')
            OR NOT EXISTS (SELECT 1 FROM sealing_notices n WHERE n.enrollment_id = e.id
                            AND n.agency_id = ar.arresting_agency_id))`,
  },
  {
    rule: 'active and later enrollments have a participation consent',
    sql: `SELECT count(*) FROM enrollments e
          WHERE e.activated_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM consents c
                 WHERE c.enrollment_id = e.id AND c.kind = 'participation')`,
  },
  {
    rule: 'participants were minors on the date of their arrests',
    sql: `SELECT count(*) FROM arrest_records ar JOIN participants p ON p.id = ar.participant_id
          WHERE p.date_of_birth > (ar.arrested_at AT TIME ZONE 'UTC')::date
             OR p.date_of_birth + interval '18 years' <= (ar.arrested_at AT TIME ZONE 'UTC')::date`,
  },
  {
    rule: 'case numbers are FS-YYYY-NNNNNN',
    sql: `SELECT count(*) FROM participants WHERE case_number !~ '^FS-[0-9]{4}-[0-9]{6,}$'`,
  },
  {
    rule: 'scheduled end is the start plus the program length plus every extension',
    sql: `SELECT count(*) FROM enrollments e JOIN programs pr ON pr.id = e.program_id
          WHERE e.scheduled_end_date <> e.start_date + pr.length_days
                + coalesce((SELECT sum(days) FROM enrollment_extensions x WHERE x.enrollment_id = e.id), 0)::int`,
  },
  {
    rule: 'no row is dated after the start of the seeding day',
    sql: `SELECT (SELECT count(*) FROM attendance_records WHERE created_at >= current_date)
               + (SELECT count(*) FROM outbox_events WHERE occurred_at >= current_date)
               + (SELECT count(*) FROM enrollments WHERE updated_at >= current_date)`,
  },
];

export async function verifySeed(db: Client): Promise<void> {
  await db.query(`SET TIME ZONE 'UTC'`);
  const broken: string[] = [];
  for (const check of CHECKS) {
    const { rows } = await db.query<Record<string, string>>(check.sql);
    const count = Number(Object.values(rows[0])[0]);
    if (count > 0) broken.push(`${count} rows break: ${check.rule}`);
  }
  if (broken.length > 0)
    throw new Error(`the seeded data breaks the app's rules:\n${broken.join('\n')}`);
}
