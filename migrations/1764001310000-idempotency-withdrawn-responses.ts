import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A stored response that mentions a record sealed since is withdrawn, not deleted: deleting it
 * let the key run again, so replaying the Idempotency-Key that created an arrest re-created it
 * as a new open record after its sealing. A withdrawn key keeps its fingerprint (a used key
 * never runs twice) but none of the response; its replay answers like an unknown record.
 */
export class IdempotencyWithdrawnResponses1764001310000 implements MigrationInterface {
  name = 'IdempotencyWithdrawnResponses1764001310000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE idempotency_keys ADD COLUMN withdrawn boolean NOT NULL DEFAULT false;
      ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_withdrawn_empty
        CHECK (NOT withdrawn OR (response_body IS NULL AND response_headers = '{}'::jsonb));
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DELETE FROM idempotency_keys WHERE withdrawn;
      ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_withdrawn_empty;
      ALTER TABLE idempotency_keys DROP COLUMN withdrawn;
    `);
  }
}
