import { DataSource } from 'typeorm';
import { Clock } from '../src/infrastructure/clock/clock';
import { MinorNoticesOverdueJob } from '../src/sealing/jobs/minor-notices-overdue.job';
import { outboxSettled } from './support/outbox';
import { testServerUrl } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';
import { givenClient, givenCompletedEnrollment, givenWorld, World } from './support/workflow';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Acknowledges every pending notice of these enrollments as the police's records system. */
async function acknowledgeAll(t: TestApp, w: World, enrollmentIds: string[]) {
  const police = await givenClient(t, w.admin, { agencyId: w.police.id, scopes: ['sealing:ack'] });
  const pending = (
    await t.http
      .get('/api/v1/sealing-notices?status=pending&limit=500')
      .auth(police.token, { type: 'bearer' })
      .expect(200)
  ).body.items as { id: string; enrollmentId: string }[];
  for (const n of pending.filter((x) => enrollmentIds.includes(x.enrollmentId))) {
    await t.http
      .post(`/api/v1/sealing-notices/${n.id}/ack`)
      .auth(police.token, { type: 'bearer' })
      .send({})
      .expect(200);
  }
}

describe("overdue minors' written notices (controllable clock)", () => {
  let t: TestApp;
  let w: World;
  beforeAll(async () => {
    t = await startTestApp();
    w = await givenWorld(t);
  });
  afterAll(() => t.close());
  afterEach(() => jest.restoreAllMocks());

  it('flags a notice 30 days after the last acknowledgement once, and emits minor_notice.overdue to the owner', async () => {
    const overdue = (await givenCompletedEnrollment(t, w)).enrollment.id;
    const told = (await givenCompletedEnrollment(t, w)).enrollment.id;
    const pending = (await givenCompletedEnrollment(t, w)).enrollment.id;
    await acknowledgeAll(t, w, [overdue, told]);
    await t.http
      .post(`/api/v1/enrollments/${told}/minor-notification`)
      .auth(w.coordinator.token, { type: 'bearer' })
      .send({ notifiedAt: new Date().toISOString(), method: 'mail' })
      .expect(200);

    const job = t.app.get(MinorNoticesOverdueJob);
    const clock = jest.spyOn(t.app.get(Clock), 'now');
    clock.mockReturnValue(new Date(Date.now() + 29 * DAY_MS));
    expect(await job.runUntilIdle()).toBe(0);
    clock.mockReturnValue(new Date(Date.now() + 31 * DAY_MS));
    expect(await job.runUntilIdle()).toBe(1);
    expect(await job.runUntilIdle()).toBe(0);

    await outboxSettled(t);
    const events = (
      await t.http
        .get('/api/v1/events?types=minor_notice.overdue')
        .auth(w.coordinator.token, { type: 'bearer' })
        .expect(200)
    ).body.items as { enrollmentId?: string; data: Record<string, string> }[];
    expect(events.map((e) => e.data.enrollmentId)).toEqual([overdue]);
    expect(Object.keys(events[0].data).sort()).toEqual(['dueAt', 'enrollmentId']);
    expect(events.map((e) => e.data.enrollmentId)).not.toContain(pending);
    // Providers never see it: for them the arrest (and its sealing) never happened.
    const clinic = await t.http
      .get('/api/v1/events?types=minor_notice.overdue')
      .auth(w.clinicUser.token, { type: 'bearer' });
    expect(clinic.status === 403 || clinic.body.items?.length === 0).toBe(true);
  });
});

// Two instances on one database need a real server: PGlite belongs to one process.
const onServer = testServerUrl() ? describe : describe.skip;

onServer("overdue minors' notices across instances (real PostgreSQL)", () => {
  it('two instances flagging at once flag each notice exactly once', async () => {
    const first = await startTestApp();
    const second = await startTestApp({ DATABASE_URL: first.databaseUrl! });
    try {
      const w = await givenWorld(first);
      const ids: string[] = [];
      for (let i = 0; i < 3; i++)
        ids.push((await givenCompletedEnrollment(first, w)).enrollment.id);
      await acknowledgeAll(first, w, ids);
      const later = new Date(Date.now() + 31 * DAY_MS);
      for (const app of [first, second])
        jest.spyOn(app.app.get(Clock), 'now').mockReturnValue(later);
      const counts = await Promise.all(
        [first, second, first, second].map((app) =>
          app.app.get(MinorNoticesOverdueJob).runUntilIdle(),
        ),
      );
      expect(counts.reduce((a, b) => a + b, 0)).toBe(3);
      const rows = await first.app
        .get(DataSource)
        .query(
          `SELECT data->>'enrollmentId' AS id FROM outbox_events WHERE type = 'minor_notice.overdue'`,
        );
      expect(rows.map((r: { id: string }) => r.id).sort()).toEqual([...ids].sort());
    } finally {
      jest.restoreAllMocks();
      await second.app.close();
      await first.close();
    }
  });
});
