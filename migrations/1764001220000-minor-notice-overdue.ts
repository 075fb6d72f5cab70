import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The minor's written notice (WIC 786.5(b)): 30 days after the last acknowledgement of the
 * sealing notices. `minor_notice_overdue_reported_at` records that the overdue job flagged it
 * (and emitted `minor_notice.overdue`), so it is flagged once, whichever instance runs.
 */
export class MinorNoticeOverdue1764001220000 implements MigrationInterface {
  name = 'MinorNoticeOverdue1764001220000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE enrollments ADD COLUMN minor_notice_overdue_reported_at timestamptz;
      CREATE INDEX enrollments_minor_notice_open ON enrollments (completed_at)
        WHERE status = 'completed' AND minor_notified_at IS NULL
          AND minor_notice_overdue_reported_at IS NULL;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP INDEX enrollments_minor_notice_open;
      ALTER TABLE enrollments DROP COLUMN minor_notice_overdue_reported_at;
    `);
  }
}
