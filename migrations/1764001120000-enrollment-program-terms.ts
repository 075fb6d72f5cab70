import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Program settings change through the API now (PATCH /programs/:id), and a change applies to
 * new enrollments only: each enrollment keeps the terms it was opened under. The length (from
 * which the scheduled end is recomputed on every extension) and whether a guardian's consent
 * is required are copied onto the enrollment at creation; existing enrollments take their
 * program's current settings, which are the ones they were opened under (no write path
 * changed them before this release).
 */
export class EnrollmentProgramTerms1764001120000 implements MigrationInterface {
  name = 'EnrollmentProgramTerms1764001120000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE enrollments
        ADD COLUMN length_days integer CHECK (length_days > 0),
        ADD COLUMN guardian_consent_required boolean;
      UPDATE enrollments e
         SET length_days = p.length_days, guardian_consent_required = p.guardian_consent_required
        FROM programs p WHERE p.id = e.program_id;
      ALTER TABLE enrollments
        ALTER COLUMN length_days SET NOT NULL,
        ALTER COLUMN guardian_consent_required SET NOT NULL;
      ALTER TABLE programs
        ADD CONSTRAINT programs_time_zone_length CHECK (length(time_zone) BETWEEN 1 AND 64),
        ADD CONSTRAINT programs_length_days_max CHECK (length_days <= 730),
        ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE programs
        DROP COLUMN updated_at,
        DROP CONSTRAINT programs_length_days_max,
        DROP CONSTRAINT programs_time_zone_length;
      ALTER TABLE enrollments DROP COLUMN guardian_consent_required, DROP COLUMN length_days;
    `);
  }
}
