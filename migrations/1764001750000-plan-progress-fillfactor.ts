import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Room on every page of `enrollments` and `milestones` (fillfactor 80: a fifth of each page
 * left free by inserts) so that the updates every attendance write makes to them are HOT
 * (heap-only tuples): the new row version goes on the same page and, since none of the
 * columns those updates set (`attended_sessions`, `recorded_sessions`, `met_at`,
 * `first_service_at`, `version`, `updated_at`) is indexed, no index gets a new entry. At
 * 100 the seeded pages were full, so each version went to another page and into all ten
 * indexes of `enrollments` and four of `milestones`: a 1000-record batch at the benchmark's
 * medium scale made 3 HOT updates out of ~1,500 (docs/performance.md, "Batch attendance").
 *
 * Only pages written from now on are filled to 80%: existing ones stay as full as they are
 * until the table is rewritten (`VACUUM FULL enrollments, milestones` or pg_repack, in a
 * maintenance window: VACUUM FULL locks the table while it runs) or until their rows have
 * moved by ordinary updates and vacuum has freed the space. Not done here: a rewrite takes
 * an exclusive lock, and migrations run at start-up while other instances serve.
 */
export class PlanProgressFillfactor1764001750000 implements MigrationInterface {
  name = 'PlanProgressFillfactor1764001750000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE enrollments SET (fillfactor = 80);
      ALTER TABLE milestones SET (fillfactor = 80);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE milestones RESET (fillfactor);
      ALTER TABLE enrollments RESET (fillfactor);
    `);
  }
}
