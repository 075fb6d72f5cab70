import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stored responses of POSTs sent with an Idempotency-Key, per caller, for 24 hours. A row is
 * written by the same transaction as the request's effect, so one never exists without the other.
 */
export class IdempotencyKeys1764000200000 implements MigrationInterface {
  name = 'IdempotencyKeys1764000200000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE idempotency_keys (
        caller_id uuid NOT NULL,
        key text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
        request_hash text NOT NULL,
        status_code integer NOT NULL CHECK (status_code BETWEEN 200 AND 299),
        response_body jsonb,
        response_headers jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (caller_id, key)
      );
      CREATE INDEX idempotency_keys_expires_at ON idempotency_keys (expires_at);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE idempotency_keys;`);
  }
}
