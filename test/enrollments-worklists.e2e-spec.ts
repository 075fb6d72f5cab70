import { DataSource } from 'typeorm';
import { expectProblem } from './support/http';
import { startTestApp, TestApp } from './support/test-app';
import {
  givenClient,
  givenEnrollment,
  givenMilestone,
  givenOtherCoordinator,
  givenWorld,
  recordAttendance,
  recordConsent,
  World,
} from './support/workflow';

/**
 * Coordinators' work lists, GET /enrollments?view=. Each test uses its own site, so a list
 * filtered by it holds exactly the enrollments the test made. SQL only moves the clock
 * (activated 20 days ago, acknowledged long ago), which has no API.
 */
describe('work lists (GET /enrollments?view=)', () => {
  let t: TestApp;
  let w: World;
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp();
    w = await givenWorld(t);
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  const localDate = async (offset: number): Promise<string> => {
    const [row] = await db.query<{ d: string }[]>(
      `SELECT ((now() AT TIME ZONE 'America/Los_Angeles')::date + $1::int)::text AS d`,
      [offset],
    );
    return row.d;
  };

  async function active(site: string, startOffset = 0) {
    const { enrollment, arrest } = await givenEnrollment(t, w, {
      site,
      startDate: await localDate(startOffset),
    });
    await recordConsent(t, w.coordinator.token, enrollment.id);
    return { id: enrollment.id, arrestId: arrest.id };
  }

  /** A mental-health milestone needing `required` sessions, `attended` of them recorded present. */
  async function plan(enrollmentId: string, required: number, attended: number, day = 0) {
    const milestone = await givenMilestone(t, w, enrollmentId, {
      category: 'mental_health',
      providerAgencyId: w.clinic.id,
      requiredSessions: required,
    });
    for (let i = 0; i < attended; i++) {
      await recordAttendance(t, w.clinicUser.token, milestone.id, {
        sessionDate: await localDate(day),
      }).expect(201);
    }
    return milestone;
  }

  const list = async (token: string, query: string) =>
    (await t.http.get(`/api/v1/enrollments?${query}`).auth(token, { type: 'bearer' }).expect(200))
      .body as { items: { id: string }[]; nextCursor: string | null };
  const ids = async (token: string, query: string) =>
    (await list(token, query)).items.map((e) => e.id).sort();

  it('ending_soon: active, ending within withinDays (default 14), with an unmet milestone or no plan', async () => {
    const site = 'WL-ending';
    const unmet = await active(site, -60); // 70 days: ends in 10
    await plan(unmet.id, 3, 1);
    const noPlan = await active(site, -62); // ends in 8
    const met = await active(site, -60);
    await plan(met.id, 1, 1);
    const later = await active(site, -40); // ends in 30
    await plan(later.id, 3, 0);
    const partlyMet = await active(site, -60); // one milestone met, another not
    await plan(partlyMet.id, 1, 1);
    await givenMilestone(t, w, partlyMet.id, {
      category: 'education',
      providerAgencyId: w.school.id,
      requiredSessions: 2,
    });

    expect(await ids(w.coordinator.token, `view=ending_soon&site=${site}`)).toEqual(
      [unmet.id, noPlan.id, partlyMet.id].sort(),
    );
    expect(await ids(w.coordinator.token, `view=ending_soon&withinDays=30&site=${site}`)).toEqual(
      [unmet.id, noPlan.id, later.id, partlyMet.id].sort(),
    );
    expect(await ids(w.coordinator.token, `view=ending_soon&withinDays=9&site=${site}`)).toEqual([
      noPlan.id,
    ]);
  });

  it("ending_soon: counts the days in the enrollment's own program time zone, the latest one included", async () => {
    // A second program whose today is a day ahead of the first's (UTC+14 against Los Angeles,
    // except in the first two hours of a Los Angeles day). The list's index bound is the latest
    // program's today: one taken from another program would drop this enrollment.
    const site = 'WL-ending-zone';
    const ahead = await active(site, -60);
    await db.query(
      `WITH far AS (INSERT INTO programs (code, name, length_days, time_zone)
                    VALUES ('wl-far-east', 'Far East', 70, 'Pacific/Kiritimati') RETURNING id)
       UPDATE enrollments SET program_id = (SELECT id FROM far),
              scheduled_end_date = (now() AT TIME ZONE 'Pacific/Kiritimati')::date + 14
        WHERE id = $1`,
      [ahead.id],
    );
    expect(await ids(w.coordinator.token, `view=ending_soon&site=${site}`)).toEqual([ahead.id]);
    expect(await ids(w.coordinator.token, `view=ending_soon&withinDays=13&site=${site}`)).toEqual(
      [],
    );
  });

  it('stalled: active for more than 14 days without an attended session in the last 14', async () => {
    const site = 'WL-stalled';
    const silent = await active(site, -20);
    await plan(silent.id, 5, 0);
    const recent = await active(site, -20);
    const recentMilestone = await plan(recent.id, 5, 1, -3);
    const old = await active(site, -20);
    await plan(old.id, 5, 1, -15);
    const fresh = await active(site, -20); // consented today: not stalled yet
    // The clock moved on: the first three consented 20 days ago.
    await db.query(
      `UPDATE enrollments SET activated_at = now() - interval '20 days' WHERE id = ANY($1)`,
      [[silent.id, recent.id, old.id]],
    );
    expect(await ids(w.coordinator.token, `view=stalled&site=${site}`)).toEqual(
      [silent.id, old.id].sort(),
    );
    // A voided session no longer counts: the recent one's enrollment is stalled too.
    const [recentSession] = (
      await t.http
        .get(`/api/v1/milestones/${recentMilestone.id}/attendance`)
        .auth(w.clinicUser.token, { type: 'bearer' })
        .expect(200)
    ).body.items as { id: string }[];
    await t.http
      .post(`/api/v1/attendance/${recentSession.id}/void`)
      .auth(w.clinicUser.token, { type: 'bearer' })
      .send({ reason: 'Wrong client' })
      .expect(200);
    expect(await ids(w.coordinator.token, `view=stalled&site=${site}`)).toEqual(
      [silent.id, recent.id, old.id].sort(),
    );
    expect(await ids(w.coordinator.token, `site=${site}`)).toContain(fresh.id);
  });

  it('ready_for_review: every milestone met, not yet submitted; pages by keyset', async () => {
    const site = 'WL-ready';
    const ready: string[] = [];
    for (let i = 0; i < 3; i++) {
      const e = await active(site);
      await plan(e.id, 1, 1);
      ready.push(e.id);
    }
    const partly = await active(site);
    await plan(partly.id, 2, 1);
    await active(site); // no plan yet
    const submitted = await active(site);
    await plan(submitted.id, 1, 1);
    await t.http
      .post(`/api/v1/enrollments/${submitted.id}/submit-for-review`)
      .auth(w.coordinator.token, { type: 'bearer' })
      .expect(200);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { id: string }[]; nextCursor: string | null } = await list(
        w.coordinator.token,
        `view=ready_for_review&site=${site}&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.items.length).toBeLessThanOrEqual(1);
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual(ready.sort());
  });

  it('minor_notice_due: completed, every notice acknowledged, the minor not told yet', async () => {
    const site = 'WL-minor';
    const completed = async () => {
      const e = await active(site);
      await plan(e.id, 1, 1);
      await t.http
        .post(`/api/v1/enrollments/${e.id}/submit-for-review`)
        .auth(w.coordinator.token, { type: 'bearer' })
        .expect(200);
      await t.http
        .post(`/api/v1/enrollments/${e.id}/completion`)
        .auth(w.clerk.token, { type: 'bearer' })
        .send({ decision: 'confirmed', courtOrderNumber: 'JV-WL' })
        .expect(200);
      return e;
    };
    const acked = await completed();
    const overdue = await completed();
    const told = await completed();
    const stillPending = await completed();
    const police = await givenClient(t, w.admin, {
      agencyId: w.police.id,
      scopes: ['sealing:ack'],
    });
    const notices = (
      await t.http
        .get('/api/v1/sealing-notices?status=pending&limit=500')
        .auth(police.token, { type: 'bearer' })
        .expect(200)
    ).body.items as { id: string; enrollmentId: string }[];
    for (const n of notices.filter((x) =>
      [acked.id, overdue.id, told.id].includes(x.enrollmentId),
    )) {
      await t.http
        .post(`/api/v1/sealing-notices/${n.id}/ack`)
        .auth(police.token, { type: 'bearer' })
        .send({})
        .expect(200);
    }
    // The clock moved on for one of them: its 30 days have passed (due and overdue are both listed).
    await db.query(
      `UPDATE sealing_notices SET acknowledged_at = now() - interval '40 days' WHERE enrollment_id = $1`,
      [overdue.id],
    );
    await t.http
      .post(`/api/v1/enrollments/${told.id}/minor-notification`)
      .auth(w.coordinator.token, { type: 'bearer' })
      .send({ notifiedAt: new Date().toISOString(), method: 'in_person' })
      .expect(200);
    expect(await ids(w.coordinator.token, `view=minor_notice_due&site=${site}`)).toEqual(
      [acked.id, overdue.id].sort(),
    );
    expect(await ids(w.coordinator.token, `site=${site}`)).toContain(stillPending.id);
  });

  it("is scoped to the caller's enrollments, for coordinators and admins only", async () => {
    const site = 'WL-scope';
    const e = await active(site);
    await plan(e.id, 1, 1);
    expect(await ids(w.coordinator.token, `view=ready_for_review&site=${site}`)).toEqual([e.id]);
    expect(await ids(w.admin, `view=ready_for_review&site=${site}`)).toEqual([e.id]);
    const other = await givenOtherCoordinator(t, w);
    expect(await ids(other.token, `view=ready_for_review&site=${site}`)).toEqual([]);
    const provider = await t.http
      .get('/api/v1/enrollments?view=ready_for_review')
      .auth(w.clinicUser.token, { type: 'bearer' });
    expectProblem(provider, 403, 'forbidden');
  });

  it('refuses an unknown view, a bad withinDays, or withinDays without ending_soon (400)', async () => {
    for (const query of [
      'view=everything',
      'view=ending_soon&withinDays=0',
      'view=ending_soon&withinDays=91',
      'view=stalled&withinDays=5',
    ]) {
      const res = await t.http
        .get(`/api/v1/enrollments?${query}`)
        .auth(w.coordinator.token, { type: 'bearer' });
      expectProblem(res, 400, 'validation-failed');
    }
  });
});
