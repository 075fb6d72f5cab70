import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Participant search matches a name prefix against the first name, the last name, or the
 * full name ("maria lo"): the first two have prefix indexes, the full name had none, so the
 * OR of the three scanned the whole table. With this index every branch is an index range
 * (text_pattern_ops: prefix LIKE on any collation). The case-number branch uses the unique
 * index on case_number (the query compares it as stored, upper case).
 */
export class ParticipantSearchIndex1764000900000 implements MigrationInterface {
  name = 'ParticipantSearchIndex1764000900000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE INDEX participants_full_name_key
        ON participants ((first_name_key || ' ' || last_name_key) text_pattern_ops);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX participants_full_name_key;`);
  }
}
