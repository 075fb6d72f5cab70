import { Injectable } from '@nestjs/common';
import {
  agencyEnrollmentScope,
  sealingEventScope,
  sessionDetailEventScope,
} from '../access-scope/visibility';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';

const DISPATCH_BATCH = 500;

/**
 * Fans outbox events out into deliveries, one per matching subscription. A subscription
 * matches when its agency may see the event (addressed to it, or about an enrollment it owns
 * or serves) and it subscribed to the type; `arrest_record.sealed` addressed to an agency goes
 * to all of that agency's subscriptions whatever they chose, because it must seal its copy.
 *
 * One instance dispatches at a time (the cursor row is taken with SKIP LOCKED), and only
 * events below the commit horizon are taken, so a late commit is never jumped over.
 */
@Injectable()
export class WebhookDispatcher {
  constructor(private readonly uow: UnitOfWork) {}

  /** Returns how many outbox events were processed. */
  async dispatchBatch(): Promise<number> {
    return this.uow.run(async (manager) => {
      const [cursor] = await manager.query<{ txid: string; position: string }[]>(
        `SELECT txid::text AS txid, position FROM webhook_dispatch_cursor
          WHERE singleton FOR UPDATE SKIP LOCKED`,
      );
      if (!cursor) return 0;
      // The next batch in (txid, position) order, below the commit horizon (see the feed).
      const batch = await manager.query<{ id: string; txid: string; position: string }[]>(
        `SELECT id, txid::text AS txid, position FROM outbox_events
          WHERE (txid, position) > ($1::xid8, $2::bigint)
            AND txid < pg_snapshot_xmin(pg_current_snapshot())
          ORDER BY txid, position LIMIT $3`,
        [cursor.txid, cursor.position, DISPATCH_BATCH],
      );
      if (batch.length === 0) return 0;
      await manager.query(
        `INSERT INTO webhook_deliveries (subscription_id, event_id)
         SELECT s.id, o.id
           FROM outbox_events o
           JOIN webhook_subscriptions s ON s.deleted_at IS NULL
           LEFT JOIN enrollments e ON e.id = o.enrollment_id
          WHERE o.id = ANY ($1::uuid[])
            AND (o.type = ANY (s.events) OR (o.type = 'arrest_record.sealed' AND o.agency_id = s.agency_id))
            AND (o.agency_id = s.agency_id OR (e.id IS NOT NULL AND ${agencyEnrollmentScope('e', 's.agency_id')}))
            AND ${sessionDetailEventScope('o', 's.agency_id').visible}
            AND ${sealingEventScope('o', 'e', 's.agency_id')}
         ON CONFLICT (subscription_id, event_id) DO NOTHING`,
        [batch.map((event) => event.id)],
      );
      const last = batch[batch.length - 1];
      await manager.query(
        `UPDATE webhook_dispatch_cursor SET txid = $1::xid8, position = $2 WHERE singleton`,
        [last.txid, last.position],
      );
      return batch.length;
    });
  }
}
