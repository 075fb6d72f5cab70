import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the delivery job needs to keep one receiver from delaying another, on the delivery
 * row itself (no join with the outbox per claim):
 * - `priority` (0 sealing events, 1 other changes, 2 attendance) and the event's place in
 *   commit order (`event_txid`, `event_position`): claims take sealing events first, then
 *   each subscription's deliveries in outbox order;
 * - `leased_until`: set while an attempt is in flight, so every instance counts what a
 *   subscription already has in flight and keeps it under the cap;
 * - `event_type`, for the deliveries list.
 * Existing rows are filled from the outbox with the same rule as the code
 * (src/webhooks/domain/delivery-priority.ts).
 */
export class WebhookDeliveryIsolation1764001000000 implements MigrationInterface {
  name = 'WebhookDeliveryIsolation1764001000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE webhook_deliveries
        ADD COLUMN event_type text,
        ADD COLUMN priority smallint,
        ADD COLUMN event_txid xid8,
        ADD COLUMN event_position bigint,
        ADD COLUMN leased_until timestamptz;
      UPDATE webhook_deliveries d
         SET event_type = o.type, event_txid = o.txid, event_position = o.position,
             priority = CASE
               WHEN o.type IN ('arrest_record.sealed', 'sealing_notice.acknowledged',
                               'sealing_notice.overdue') THEN 0
               WHEN o.type = 'attendance.recorded' THEN 2
               ELSE 1 END
        FROM outbox_events o WHERE o.id = d.event_id;
      ALTER TABLE webhook_deliveries
        ALTER COLUMN event_type SET NOT NULL,
        ALTER COLUMN priority SET NOT NULL,
        ALTER COLUMN event_txid SET NOT NULL,
        ALTER COLUMN event_position SET NOT NULL,
        ADD CONSTRAINT webhook_deliveries_priority CHECK (priority BETWEEN 0 AND 2);
      -- Small: only the deliveries being attempted right now.
      CREATE INDEX webhook_deliveries_in_flight ON webhook_deliveries (subscription_id)
        WHERE leased_until IS NOT NULL;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP INDEX webhook_deliveries_in_flight;
      ALTER TABLE webhook_deliveries
        DROP CONSTRAINT webhook_deliveries_priority,
        DROP COLUMN leased_until,
        DROP COLUMN event_position,
        DROP COLUMN event_txid,
        DROP COLUMN priority,
        DROP COLUMN event_type;
    `);
  }
}
