import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Concurrency everywhere: arrest records and sealing notices get a version, their strong ETag
 * (GET /arrest-records/:id sends it; `POST /sealing-notices/:id/ack` honours If-Match), moved
 * by every change of what they show (sealing; acknowledgement and the overdue report).
 */
export class ConcurrencyVersions1764001150000 implements MigrationInterface {
  name = 'ConcurrencyVersions1764001150000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE arrest_records ADD COLUMN version integer NOT NULL DEFAULT 1;
      ALTER TABLE sealing_notices ADD COLUMN version integer NOT NULL DEFAULT 1;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE sealing_notices DROP COLUMN version;
      ALTER TABLE arrest_records DROP COLUMN version;
    `);
  }
}
