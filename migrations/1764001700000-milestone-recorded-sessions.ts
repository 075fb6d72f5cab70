import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outcomes report's attendance rate (present / recorded, by category) read every
 * attendance record of the cohort: 5M rows at the benchmark's large scale, seconds a report.
 * Milestones already keep `attended_sessions` (present, not voided); `recorded_sessions` is
 * its companion: every record that is not voided, whatever its status. It is kept by the
 * same statements as `attended_sessions` (an insert adds its delta, a correction or a void
 * sets the exact recount), so the report sums two counters per milestone instead.
 *
 * The backfill counts the stored records once (existing databases, the seeded benchmark
 * ones included). Both checks hold by definition: a count is never negative, and the
 * present records are a part of the recorded ones; a bug that broke either fails the write
 * instead of skewing a report.
 */
export class MilestoneRecordedSessions1764001700000 implements MigrationInterface {
  name = 'MilestoneRecordedSessions1764001700000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      `ALTER TABLE milestones ADD COLUMN recorded_sessions integer NOT NULL DEFAULT 0;`,
    );
    await db.query(`
      UPDATE milestones m
         SET recorded_sessions = a.recorded
        FROM (SELECT milestone_id, count(*)::integer AS recorded
                FROM attendance_records
               WHERE voided_at IS NULL
               GROUP BY milestone_id) a
       WHERE a.milestone_id = m.id;
    `);
    await db.query(`
      ALTER TABLE milestones
        ADD CONSTRAINT milestones_recorded_sessions_nonnegative CHECK (recorded_sessions >= 0),
        ADD CONSTRAINT milestones_recorded_covers_attended CHECK (recorded_sessions >= attended_sessions);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE milestones DROP COLUMN recorded_sessions;`);
  }
}
