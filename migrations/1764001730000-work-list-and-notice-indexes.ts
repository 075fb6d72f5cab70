import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two pages `npm run bench:plans` found reading whole tables (docs/plans/):
 *
 * - The sealing-notices page (`ORDER BY created_at, id`) had no index in that order: an admin's
 *   first page sorted every notice, a coordinator's hashed every enrollment of its agency and
 *   joined every notice. With `sealing_notices (created_at, id)` both walk the notices in page
 *   order (a coordinator's probing each notice's enrollment by key) and stop at the page.
 * - The work list `view=ending_soon` (active, ending within N days) had no index on the end
 *   date, so every caller but a coordinator walked its enrollments in page order until it had
 *   a page. The partial `enrollments (scheduled_end_date) WHERE status = 'active'` is the range
 *   of active enrollments ending by a date (enrollments.repository.ts bounds it by the latest
 *   program date); only active rows are in it.
 */
export class WorkListAndNoticeIndexes1764001730000 implements MigrationInterface {
  name = 'WorkListAndNoticeIndexes1764001730000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE INDEX sealing_notices_created ON sealing_notices (created_at, id);
      CREATE INDEX enrollments_active_end ON enrollments (scheduled_end_date) WHERE status = 'active';
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP INDEX enrollments_active_end;
      DROP INDEX sealing_notices_created;
    `);
  }
}
