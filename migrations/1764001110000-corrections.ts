import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Corrections with history (PRODUCT.md Additions, "Mistakes happen"): nothing is silently
 * erased.
 * - participants get a version (their ETag; PATCH /participants/:id requires If-Match) and a
 *   log of corrections: which fields changed, why, who, when (not the old values: the log is
 *   not a second copy of a minor's identity);
 * - milestone_changes keeps every correction of a service plan (provider, required sessions)
 *   and every removal, with before and after and the reason. It has no foreign key to the
 *   milestone, so a removed milestone's line stays;
 * - an attendance record is voided, never deleted: `voided_at`, `voided_by`, `void_reason`.
 *   A voided record no longer counts (the present-count index excludes it) and stays in the
 *   history; its externalId stays taken (a re-send answers with the voided record).
 */
export class Corrections1764001110000 implements MigrationInterface {
  name = 'Corrections1764001110000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE participants ADD COLUMN version integer NOT NULL DEFAULT 1;
      -- The possible-duplicate warning at registration: same agency, name and date of birth.
      CREATE INDEX participants_identity_in_agency
        ON participants (owner_agency_id, last_name_key, first_name_key, date_of_birth);

      CREATE TABLE participant_corrections (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        participant_id uuid NOT NULL REFERENCES participants (id),
        fields text[] NOT NULL CHECK (cardinality(fields) > 0),
        reason text CHECK (length(reason) BETWEEN 1 AND 1000),
        corrected_by uuid NOT NULL,
        corrected_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX participant_corrections_participant
        ON participant_corrections (participant_id, corrected_at);

      CREATE TABLE milestone_changes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        enrollment_id uuid NOT NULL REFERENCES enrollments (id),
        milestone_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('corrected', 'removed')),
        category service_category NOT NULL,
        provider_agency_id_before uuid NOT NULL REFERENCES agencies (id),
        provider_agency_id_after uuid REFERENCES agencies (id),
        required_sessions_before integer NOT NULL,
        required_sessions_after integer,
        reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
        changed_by uuid NOT NULL,
        changed_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((kind = 'removed') = (provider_agency_id_after IS NULL AND required_sessions_after IS NULL))
      );
      CREATE INDEX milestone_changes_enrollment ON milestone_changes (enrollment_id, changed_at);
      CREATE INDEX milestone_changes_milestone ON milestone_changes (milestone_id, changed_at);

      ALTER TABLE attendance_records
        ADD COLUMN voided_at timestamptz,
        ADD COLUMN voided_by uuid,
        ADD COLUMN void_reason text CHECK (length(void_reason) BETWEEN 1 AND 1000),
        ADD CONSTRAINT attendance_records_void_complete
          CHECK ((voided_at IS NULL) = (voided_by IS NULL) AND (voided_at IS NULL) = (void_reason IS NULL));
      DROP INDEX attendance_enrollment_present;
      CREATE INDEX attendance_enrollment_present ON attendance_records (enrollment_id)
        WHERE status = 'present' AND voided_at IS NULL;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP INDEX attendance_enrollment_present;
      CREATE INDEX attendance_enrollment_present ON attendance_records (enrollment_id) WHERE status = 'present';
      ALTER TABLE attendance_records
        DROP CONSTRAINT attendance_records_void_complete,
        DROP COLUMN void_reason, DROP COLUMN voided_by, DROP COLUMN voided_at;
      DROP TABLE milestone_changes;
      DROP TABLE participant_corrections;
      DROP INDEX participants_identity_in_agency;
      ALTER TABLE participants DROP COLUMN version;
    `);
  }
}
