import { DataSource } from 'typeorm';
import { WebhookDeliveryWorker } from '../src/webhooks/webhook-delivery.worker';
import { givenClient } from './support/factories';
import { outboxSettled } from './support/outbox';
import { startTestApp, TestApp } from './support/test-app';
import { givenCompletedEnrollment, givenWorld } from './support/workflow';

describe('overdue sealing notices', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('emit sealing_notice.overdue once, to the notified agency, when the 60 days have passed', async () => {
    const w = await givenWorld(t);
    const { arrest } = await givenCompletedEnrollment(t, w);
    const db = t.app.get(DataSource);
    // The clock moved 61 days on: the due date is the database's now() + 60 days, no clock to inject.
    await db.query(
      `UPDATE sealing_notices SET due_at = now() - interval '1 day' WHERE arrest_record_id = $1`,
      [arrest.id],
    );
    const worker = t.app.get(WebhookDeliveryWorker);
    await worker.tick();
    await worker.tick();

    const police = await givenClient(t, w.admin, {
      agencyId: w.police.id,
      scopes: ['events:read', 'sealing:ack'],
    });
    await outboxSettled(t);
    const events = (
      await t.http
        .get('/api/v1/events?types=sealing_notice.overdue')
        .auth(police.token, { type: 'bearer' })
        .expect(200)
    ).body.items as { agencyId: string; data: Record<string, string> }[];
    expect(events).toHaveLength(1);
    expect(events[0].agencyId).toBe(w.police.id);
    expect(Object.keys(events[0].data).sort()).toEqual(
      ['agencyId', 'arrestRecordId', 'dueAt', 'sealingNoticeId'].sort(),
    );
    const notices = (
      await t.http
        .get('/api/v1/sealing-notices?status=pending')
        .auth(police.token, { type: 'bearer' })
        .expect(200)
    ).body.items as { overdue: boolean }[];
    expect(notices[0].overdue).toBe(true);
  });
});
