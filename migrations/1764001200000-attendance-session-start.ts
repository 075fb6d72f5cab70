import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The 24-hour rule measured from when a session took place, not when it was typed in:
 * providers may give the session's start time (`session_started_at`); without it, the end of
 * the session date in the program's time zone stands in. `first_service_at` is rewritten
 * from the stored attendance under that rule, so enrollments recorded before this release
 * (stamped with the time of entry) answer the same as new ones.
 */
export class AttendanceSessionStart1764001200000 implements MigrationInterface {
  name = 'AttendanceSessionStart1764001200000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE attendance_records ADD COLUMN session_started_at timestamptz;

      UPDATE enrollments e
         SET first_service_at = first.at
        FROM (SELECT a.enrollment_id,
                     min(coalesce(a.session_started_at,
                                  ((a.session_date + 1)::timestamp AT TIME ZONE p.time_zone))) AS at
                FROM attendance_records a
                JOIN enrollments fe ON fe.id = a.enrollment_id
                JOIN programs p ON p.id = fe.program_id
               WHERE a.status = 'present'
               GROUP BY a.enrollment_id) first
       WHERE e.id = first.enrollment_id
         AND e.first_service_at IS DISTINCT FROM first.at;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE attendance_records DROP COLUMN session_started_at;`);
  }
}
