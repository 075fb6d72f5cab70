import { DataSource } from 'typeorm';
import { Outbox } from '../../src/events/outbox.service';
import { UnitOfWork } from '../../src/infrastructure/database/unit-of-work';
import { WebhookDispatchJob } from '../../src/webhooks/jobs/webhook-dispatch.job';
import type { TestApp } from './test-app';
import { eventually } from './webhook-receiver';

/**
 * Waits until every outbox event written so far is below the feed's commit horizon. The
 * horizon is cluster-wide on a real server, so a transaction of another test file can hold
 * fresh events back for a moment; after this, what the feed shows (or omits) is final.
 */
export async function outboxSettled(t: TestApp): Promise<void> {
  const db = t.app.get(DataSource);
  await eventually(async () => {
    const [row] = await db.query<{ settled: boolean }[]>(
      `SELECT coalesce(max(txid) < pg_snapshot_xmin(pg_current_snapshot()), true) AS settled
         FROM outbox_events`,
    );
    if (!row.settled) throw new Error('outbox events still behind the commit horizon');
  }, 20000);
}

/**
 * One delivery for the subscription: an `arrest_record.sealed` event of `agencyId` after it,
 * fanned out by the dispatch job (never sent: the delivery job does not run in tests that call
 * this). Returns the delivery's id, read through the API as the subscription's owner.
 */
export async function givenPendingDelivery(
  t: TestApp,
  input: { agencyId: string; arrestRecordId: string; subscriptionId: string; ownerToken: string },
): Promise<string> {
  await t.app.get(UnitOfWork).run(() =>
    t.app.get(Outbox).emit({
      type: 'arrest_record.sealed',
      agencyId: input.agencyId,
      data: { arrestRecordId: input.arrestRecordId },
    }),
  );
  await t.app.get(WebhookDispatchJob).runUntilIdle();
  const deliveries = await t.http
    .get(`/api/v1/webhook-subscriptions/${input.subscriptionId}/deliveries`)
    .auth(input.ownerToken, { type: 'bearer' })
    .expect(200);
  return (deliveries.body.items as { id: string }[])[0].id;
}
