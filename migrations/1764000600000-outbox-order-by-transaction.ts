import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The feed and the webhook dispatcher read the outbox in (txid, position) order. Positions
 * alone are assigned at insert, not at commit: a reader could serve position 20 of a finished
 * transaction while position 15 of a running one is still invisible, and skip 15 for good.
 * Below the commit horizon (txid < xmin of the current snapshot) no transaction can add rows
 * any more, so ordering by transaction first makes every page final.
 */
export class OutboxOrderByTransaction1764000600000 implements MigrationInterface {
  name = 'OutboxOrderByTransaction1764000600000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE INDEX outbox_events_txid_position ON outbox_events (txid, position);
      ALTER TABLE webhook_dispatch_cursor ADD COLUMN txid xid8 NOT NULL DEFAULT '0';
      UPDATE webhook_dispatch_cursor c SET txid = coalesce(
        (SELECT max(o.txid) FROM outbox_events o WHERE o.position <= c.position), '0');
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE webhook_dispatch_cursor DROP COLUMN txid;
      DROP INDEX outbox_events_txid_position;
    `);
  }
}
