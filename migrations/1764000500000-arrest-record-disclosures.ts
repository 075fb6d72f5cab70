import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which agencies, besides the arresting and the registering one, have received an arrest
 * record's data. Each of them holds a copy, so each gets a sealing notice when the record is
 * sealed (WIC 786.5: every copy is sealed and its holder confirms).
 */
export class ArrestRecordDisclosures1764000500000 implements MigrationInterface {
  name = 'ArrestRecordDisclosures1764000500000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE arrest_record_disclosures (
        arrest_record_id uuid NOT NULL REFERENCES arrest_records (id),
        agency_id uuid NOT NULL REFERENCES agencies (id),
        first_disclosed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (arrest_record_id, agency_id)
      );
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE arrest_record_disclosures;`);
  }
}
