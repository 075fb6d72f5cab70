import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A coordinator's participant search (privacy/visibility.ts `participantSearchBranches`) is
 * the union of two branches, each with its own index, so that the agency's own matches never
 * read another agency's rows:
 *
 * - the participants its agency registered: name prefixes led by the owner,
 *   `participants (owner_agency_id, <name key> text_pattern_ops)` for the first name, the last
 *   name and the full name (the keys the search compares);
 * - the participants of other agencies that it enrolled: `enrollments` keeps the participant's
 *   owner (`participant_owner_agency_id`, held equal to it by a foreign key on
 *   `(participant_id, participant_owner_agency_id)`: the owner of a participant never changes,
 *   and a row that disagreed could not be written), and the partial index
 *   `enrollments_foreign_participant` holds only the enrollments of another agency's
 *   participant: the branch reads those of the caller's agency, not its whole caseload.
 *   The index's condition is a stored generated column (`participant_of_another_agency`),
 *   not `owner_agency_id <> participant_owner_agency_id` itself: PostgreSQL has no statistics
 *   for a comparison of two columns and guessed that almost every enrollment matched, so it
 *   read every name match of every agency and probed enrollments for each (15 ms for `mar`
 *   at large, 5,871 matches); a boolean column has statistics, and the branch starts from
 *   the agency's few such enrollments.
 */
export class ParticipantSearchByOwner1764001740000 implements MigrationInterface {
  name = 'ParticipantSearchByOwner1764001740000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE INDEX participants_owner_first_name_key
        ON participants (owner_agency_id, first_name_key text_pattern_ops);
      CREATE INDEX participants_owner_last_name_key
        ON participants (owner_agency_id, last_name_key text_pattern_ops);
      CREATE INDEX participants_owner_full_name_key
        ON participants (owner_agency_id, (first_name_key || ' ' || last_name_key) text_pattern_ops);
      ALTER TABLE participants ADD CONSTRAINT participants_id_owner UNIQUE (id, owner_agency_id);

      ALTER TABLE enrollments ADD COLUMN participant_owner_agency_id uuid;
      UPDATE enrollments e SET participant_owner_agency_id = p.owner_agency_id
        FROM participants p WHERE p.id = e.participant_id;
      ALTER TABLE enrollments ALTER COLUMN participant_owner_agency_id SET NOT NULL;
      ALTER TABLE enrollments ADD CONSTRAINT enrollments_participant_owner_fkey
        FOREIGN KEY (participant_id, participant_owner_agency_id)
        REFERENCES participants (id, owner_agency_id);
      ALTER TABLE enrollments ADD COLUMN participant_of_another_agency boolean
        GENERATED ALWAYS AS (owner_agency_id <> participant_owner_agency_id) STORED;
      CREATE INDEX enrollments_foreign_participant ON enrollments (owner_agency_id, participant_id)
        WHERE participant_of_another_agency;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP INDEX enrollments_foreign_participant;
      ALTER TABLE enrollments DROP COLUMN participant_of_another_agency;
      ALTER TABLE enrollments DROP CONSTRAINT enrollments_participant_owner_fkey;
      ALTER TABLE enrollments DROP COLUMN participant_owner_agency_id;
      ALTER TABLE participants DROP CONSTRAINT participants_id_owner;
      DROP INDEX participants_owner_full_name_key;
      DROP INDEX participants_owner_last_name_key;
      DROP INDEX participants_owner_first_name_key;
    `);
  }
}
