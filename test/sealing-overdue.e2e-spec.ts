import { DataSource } from 'typeorm';
import { SealingNoticesOverdueJob } from '../src/sealing/jobs/sealing-notices-overdue.job';
import { givenClient } from './support/factories';
import { outboxSettled } from './support/outbox';
import { testServerUrl } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';
import { givenCompletedEnrollment, givenWorld, World } from './support/workflow';

describe('overdue sealing notices', () => {
  let t: TestApp;
  let w: World;
  beforeAll(async () => {
    // The webhook worker is off (as in every test app): reporting overdue notices does not need it.
    t = await startTestApp();
    w = await givenWorld(t);
  });
  afterAll(() => t.close());

  // The clock moved 61 days on: the due date is the database's now() + 60 days, no clock to inject.
  const dueYesterday = (arrestRecordId: string) =>
    t.app
      .get(DataSource)
      .query(
        `UPDATE sealing_notices SET due_at = now() - interval '1 day' WHERE arrest_record_id = $1`,
        [arrestRecordId],
      );

  it('emit sealing_notice.overdue once, to the notified agency, when the 60 days have passed', async () => {
    const { arrest } = await givenCompletedEnrollment(t, w);
    const notOverdue = await givenCompletedEnrollment(t, w);
    await dueYesterday(arrest.id);
    // Run twice (the job also runs by itself every minute): the notice is reported once.
    const job = t.app.get(SealingNoticesOverdueJob);
    await job.runUntilIdle();
    await job.runUntilIdle();

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
    expect(events[0].data.arrestRecordId).toBe(arrest.id);
    expect(events[0].data.arrestRecordId).not.toBe(notOverdue.arrest.id);
    expect(Object.keys(events[0].data).sort()).toEqual(
      ['agencyId', 'arrestRecordId', 'dueAt', 'sealingNoticeId'].sort(),
    );
    const notices = (
      await t.http
        .get('/api/v1/sealing-notices?status=pending')
        .auth(police.token, { type: 'bearer' })
        .expect(200)
    ).body.items as { overdue: boolean; arrestRecordId: string }[];
    expect(notices.find((n) => n.arrestRecordId === arrest.id)?.overdue).toBe(true);
  });

  it('does not report a notice acknowledged in time, even once its due date has passed', async () => {
    const { arrest } = await givenCompletedEnrollment(t, w);
    const police = await givenClient(t, w.admin, {
      agencyId: w.police.id,
      scopes: ['sealing:ack'],
    });
    const pending = (
      await t.http
        .get('/api/v1/sealing-notices?status=pending')
        .auth(police.token, { type: 'bearer' })
        .expect(200)
    ).body.items as { id: string; arrestRecordId: string }[];
    const notice = pending.find((n) => n.arrestRecordId === arrest.id)!;
    await t.http
      .post(`/api/v1/sealing-notices/${notice.id}/ack`)
      .auth(police.token, { type: 'bearer' })
      .send({ reference: 'RMS-ON-TIME' })
      .expect(200);
    await dueYesterday(arrest.id);
    await t.app.get(SealingNoticesOverdueJob).runUntilIdle();
    const [{ reported }] = await t.app.get(DataSource).query(
      `SELECT count(*)::int AS reported FROM outbox_events
          WHERE type = 'sealing_notice.overdue' AND data->>'sealingNoticeId' = $1`,
      [notice.id],
    );
    expect(reported).toBe(0);
  });
});

// Two instances on one database need a real server: PGlite belongs to one process.
const onServer = testServerUrl() ? describe : describe.skip;

onServer('overdue sealing notices across instances (real PostgreSQL)', () => {
  it('two instances reporting at once report each notice exactly once', async () => {
    const first = await startTestApp();
    const second = await startTestApp({ DATABASE_URL: first.databaseUrl! });
    try {
      const w = await givenWorld(first);
      const arrests = [];
      for (let i = 0; i < 3; i++) arrests.push((await givenCompletedEnrollment(first, w)).arrest);
      const db = first.app.get(DataSource);
      await db.query(
        `UPDATE sealing_notices SET due_at = now() - interval '1 day' WHERE arrest_record_id = ANY ($1)`,
        [arrests.map((a) => a.id)],
      );
      await Promise.all(
        [first, second, first, second].map((app) =>
          app.app.get(SealingNoticesOverdueJob).runUntilIdle(),
        ),
      );
      const rows = await db.query(
        `SELECT data->>'arrestRecordId' AS id FROM outbox_events WHERE type = 'sealing_notice.overdue'`,
      );
      expect(rows.map((r: { id: string }) => r.id).sort()).toEqual(arrests.map((a) => a.id).sort());
    } finally {
      await second.app.close();
      await first.close();
    }
  });
});
