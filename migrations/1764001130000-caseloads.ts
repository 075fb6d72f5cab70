import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Caseloads: an enrollment has an assigned coordinator, its creator by default, reassignable
 * within the owning agency (`POST /enrollments/:id/assign`), and a coordinator lists its own
 * caseload with `GET /enrollments?assignedTo=me`. Existing enrollments are assigned to whoever
 * opened them. No foreign key to users: like `created_by`, it names the person, and the
 * service checks that the assignee is an enabled coordinator of the owning agency.
 */
export class Caseloads1764001130000 implements MigrationInterface {
  name = 'Caseloads1764001130000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE enrollments ADD COLUMN assigned_coordinator_id uuid;
      UPDATE enrollments SET assigned_coordinator_id = created_by;
      ALTER TABLE enrollments ALTER COLUMN assigned_coordinator_id SET NOT NULL;
      CREATE INDEX enrollments_caseload
        ON enrollments (owner_agency_id, assigned_coordinator_id, created_at, id);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP INDEX enrollments_caseload;
      ALTER TABLE enrollments DROP COLUMN assigned_coordinator_id;
    `);
  }
}
