import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two indexes that `npm run bench:plans` showed missing at the medium scale (docs/plans):
 *
 * - The arrest record's visibility to a court asks "is there an enrollment of this arrest
 *   record pending review, or reviewed by this court?". The only index on
 *   enrollments.arrest_record_id is the partial unique one for open enrollments, which that
 *   predicate cannot use, so every court read of an enrollment, an arrest record or a
 *   participant's records scanned all enrollments.
 * - The enrollment list is ordered by (created_at, id). Coordinators walk their agency's
 *   (owner_agency_id, created_at, id) index; everyone else (providers, courts, partner systems,
 *   admins) had no index in that order, so each page sorted every visible enrollment and a deep
 *   page cost as much as the whole list.
 */
export class EnrollmentScopeIndexes1764001060000 implements MigrationInterface {
  name = 'EnrollmentScopeIndexes1764001060000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE INDEX enrollments_arrest_record ON enrollments (arrest_record_id);`);
    await db.query(`CREATE INDEX enrollments_created ON enrollments (created_at, id);`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX enrollments_created;`);
    await db.query(`DROP INDEX enrollments_arrest_record;`);
  }
}
