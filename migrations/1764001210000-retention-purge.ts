import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The retention purge (WIC 826): a sealed arrest record's details (booking number, charges,
 * location, arrest time) may be destroyed `retention_years` after sealing. The row stays, its
 * details become NULL and `purged_at` says when; a constraint keeps details and `purged_at`
 * exclusive, and only sealed records can be purged.
 *
 * `destruction_records` is the proof of destruction: which record, when, under which rule
 * and by which job run, never any of the destroyed content. Append-only for the app.
 */
export class RetentionPurge1764001210000 implements MigrationInterface {
  name = 'RetentionPurge1764001210000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE arrest_records
        ADD COLUMN purged_at timestamptz,
        ALTER COLUMN booking_number DROP NOT NULL,
        ALTER COLUMN arrested_at DROP NOT NULL,
        ALTER COLUMN charges DROP NOT NULL,
        ADD CONSTRAINT arrest_records_purged_details CHECK (
          (purged_at IS NULL AND booking_number IS NOT NULL AND arrested_at IS NOT NULL
            AND charges IS NOT NULL)
          OR (purged_at IS NOT NULL AND status = 'sealed' AND booking_number IS NULL
            AND arrested_at IS NULL AND charges IS NULL AND location IS NULL));

      CREATE TABLE destruction_records (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        arrest_record_id uuid NOT NULL UNIQUE REFERENCES arrest_records (id),
        destroyed_at timestamptz NOT NULL,
        -- e.g. 'WIC 826: 5 years after sealing'
        rule text NOT NULL CHECK (length(btrim(rule)) BETWEEN 1 AND 200),
        job_run_id uuid NOT NULL,
        -- Who ran it: 'scheduler' or the operator named to the CLI.
        operator text NOT NULL CHECK (length(btrim(operator)) BETWEEN 1 AND 200)
      );
      CREATE INDEX destruction_records_job_run ON destruction_records (job_run_id);
      -- The purge looks for sealed, unpurged records by sealing time.
      CREATE INDEX arrest_records_sealed_unpurged ON arrest_records (sealed_at)
        WHERE status = 'sealed' AND purged_at IS NULL;
    `);
  }

  /** Fails once a record was purged: destroyed details cannot come back (by design). */
  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP INDEX arrest_records_sealed_unpurged;
      DROP TABLE destruction_records;
      ALTER TABLE arrest_records DROP CONSTRAINT arrest_records_purged_details;
      ALTER TABLE arrest_records
        ALTER COLUMN charges SET NOT NULL,
        ALTER COLUMN arrested_at SET NOT NULL,
        ALTER COLUMN booking_number SET NOT NULL,
        DROP COLUMN purged_at;
    `);
  }
}
