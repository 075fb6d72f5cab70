import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook secret rotation with an overlap (Standard Webhooks allows several signatures): after
 * `POST /webhook-subscriptions/:id/rotate-secret`, deliveries are signed with the new secret
 * and, until `previous_secret_expires_at` (WEBHOOK_SECRET_OVERLAP_SECONDS later), with the old
 * one too, so the partner can switch without missing a delivery. A version makes the
 * rotation guardable with If-Match.
 */
export class WebhookSecretRotation1764001140000 implements MigrationInterface {
  name = 'WebhookSecretRotation1764001140000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE webhook_subscriptions
        ADD COLUMN previous_secret_ciphertext text,
        ADD COLUMN previous_secret_expires_at timestamptz,
        ADD COLUMN secret_rotated_at timestamptz,
        ADD COLUMN version integer NOT NULL DEFAULT 1,
        ADD CONSTRAINT webhook_subscriptions_previous_secret_complete
          CHECK ((previous_secret_ciphertext IS NULL) = (previous_secret_expires_at IS NULL));
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE webhook_subscriptions
        DROP CONSTRAINT webhook_subscriptions_previous_secret_complete,
        DROP COLUMN version,
        DROP COLUMN secret_rotated_at,
        DROP COLUMN previous_secret_expires_at,
        DROP COLUMN previous_secret_ciphertext;
    `);
  }
}
