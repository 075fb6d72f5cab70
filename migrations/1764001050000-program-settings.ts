import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Program settings the second release needs in one place: how many years a sealed record's
 * details are kept before the retention purge destroys them (WIC 826: five), the time zone
 * in which session dates are read (a session "on the activation day" ends at midnight there),
 * and a version so settings changes can be guarded by If-Match.
 */
export class ProgramSettings1764001050000 implements MigrationInterface {
  name = 'ProgramSettings1764001050000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE programs
        ADD COLUMN retention_years integer NOT NULL DEFAULT 5
          CONSTRAINT programs_retention_years_check CHECK (retention_years BETWEEN 1 AND 100),
        ADD COLUMN time_zone text NOT NULL DEFAULT 'America/Los_Angeles',
        ADD COLUMN version integer NOT NULL DEFAULT 1;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE programs DROP COLUMN version, DROP COLUMN time_zone, DROP COLUMN retention_years;
    `);
  }
}
