import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook subscriptions and deliveries. The dispatcher turns outbox events into one delivery
 * per matching subscription (unique per subscription and event, so a re-run never doubles);
 * workers claim due deliveries with FOR UPDATE SKIP LOCKED and record every attempt.
 */
export class Webhooks1764000300000 implements MigrationInterface {
  name = 'Webhooks1764000300000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE webhook_subscriptions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        agency_id uuid NOT NULL REFERENCES agencies (id),
        url text NOT NULL CHECK (length(url) BETWEEN 1 AND 2000),
        events text[] NOT NULL CHECK (cardinality(events) > 0),
        -- AES-256-GCM ciphertext of the whsec_ signing secret; the key lives in configuration.
        secret_ciphertext text NOT NULL,
        created_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      );
      CREATE INDEX webhook_subscriptions_agency ON webhook_subscriptions (agency_id, created_at, id)
        WHERE deleted_at IS NULL;

      -- How far the outbox has been fanned out into deliveries.
      CREATE TABLE webhook_dispatch_cursor (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        position bigint NOT NULL
      );
      INSERT INTO webhook_dispatch_cursor (position) VALUES (0);

      CREATE TYPE webhook_delivery_status AS ENUM ('pending', 'delivered', 'failed');
      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        subscription_id uuid NOT NULL REFERENCES webhook_subscriptions (id),
        event_id uuid NOT NULL REFERENCES outbox_events (id),
        status webhook_delivery_status NOT NULL DEFAULT 'pending',
        attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        -- Retries go on for the configured window from here; a manual re-send restarts it.
        retry_window_started_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz,
        failed_at timestamptz,
        UNIQUE (subscription_id, event_id)
      );
      CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
      CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, created_at, id);

      CREATE TABLE webhook_delivery_attempts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id),
        attempted_at timestamptz NOT NULL DEFAULT now(),
        status_code integer,
        latency_ms integer NOT NULL CHECK (latency_ms >= 0),
        error text CHECK (length(error) <= 500)
      );
      CREATE INDEX webhook_delivery_attempts_delivery ON webhook_delivery_attempts (delivery_id, attempted_at);

      -- sealing_notice.overdue is emitted once per notice.
      ALTER TABLE sealing_notices ADD COLUMN overdue_reported_at timestamptz;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE sealing_notices DROP COLUMN overdue_reported_at;
      DROP TABLE webhook_delivery_attempts;
      DROP TABLE webhook_deliveries;
      DROP TYPE webhook_delivery_status;
      DROP TABLE webhook_dispatch_cursor;
      DROP TABLE webhook_subscriptions;
    `);
  }
}
