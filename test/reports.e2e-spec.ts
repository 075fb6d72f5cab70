import { DataSource } from 'typeorm';
import { givenUser } from './support/factories';
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
 * GET /reports/outcomes on a seeded data set: each cohort has its own site, so each figure
 * below is known exactly. Writes go through the API; SQL only moves the clock (activation
 * three days ago, a due date passed, an acknowledgement 31 days old), which has no API.
 */
describe('outcomes report', () => {
  let t: TestApp;
  let w: World;
  let db: DataSource;
  const ZONE = 'America/Los_Angeles';

  /** The program's local date `offset` days from today. */
  const localDate = async (offset: number): Promise<string> => {
    const [row] = await db.query<{ d: string }[]>(
      `SELECT ((now() AT TIME ZONE $1)::date + $2::int)::text AS d`,
      [ZONE, offset],
    );
    return row.d;
  };

  const report = (token: string, query: string) =>
    t.http.get(`/api/v1/reports/outcomes?${query}`).auth(token, { type: 'bearer' });

  /** An active enrollment at `site` starting `startOffset` days from today (program's date). */
  async function active(site: string, startOffset = 0) {
    const { enrollment, arrest } = await givenEnrollment(t, w, {
      site,
      startDate: await localDate(startOffset),
    });
    await recordConsent(t, w.coordinator.token, enrollment.id);
    return { enrollmentId: enrollment.id, arrestId: arrest.id };
  }

  /** Completed through the real lifecycle: one mental-health session (present, today), court confirms. */
  async function completed(site: string, startOffset: number) {
    const e = await active(site, startOffset);
    const milestone = await givenMilestone(t, w, e.enrollmentId, {
      category: 'mental_health',
      providerAgencyId: w.clinic.id,
      requiredSessions: 1,
    });
    await recordAttendance(t, w.clinicUser.token, milestone.id, {
      sessionDate: await localDate(0),
    }).expect(201);
    await t.http
      .post(`/api/v1/enrollments/${e.enrollmentId}/submit-for-review`)
      .auth(w.coordinator.token, { type: 'bearer' })
      .expect(200);
    await t.http
      .post(`/api/v1/enrollments/${e.enrollmentId}/completion`)
      .auth(w.clerk.token, { type: 'bearer' })
      .send({ decision: 'confirmed', courtOrderNumber: 'JV-REPORT' })
      .expect(200);
    return e;
  }

  async function ended(site: string, how: 'withdraw' | 'terminate') {
    const e = await active(site);
    await t.http
      .post(`/api/v1/enrollments/${e.enrollmentId}/${how}`)
      .auth(w.coordinator.token, { type: 'bearer' })
      .send({ reason: 'Report seed' })
      .expect(200);
    return e;
  }

  beforeAll(async () => {
    t = await startTestApp();
    w = await givenWorld(t);
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  describe('statuses, rates, median and attendance (site Pomona)', () => {
    const SITE = 'Pomona';
    const absentIds: string[] = [];
    beforeAll(async () => {
      // 5 completed, started 10..14 days ago: median 12 days from start to completion (today).
      for (const days of [10, 11, 12, 13, 14]) await completed(SITE, -days);
      for (let i = 0; i < 5; i++) await ended(SITE, 'withdraw');
      for (let i = 0; i < 5; i++) await ended(SITE, 'terminate');
      // 6 active, each with one absent mental-health session: 5 present of 11 recorded.
      for (let i = 0; i < 6; i++) {
        const e = await active(SITE);
        const milestone = await givenMilestone(t, w, e.enrollmentId, {
          category: 'mental_health',
          providerAgencyId: w.clinic.id,
          requiredSessions: 3,
        });
        const absent = await recordAttendance(t, w.clinicUser.token, milestone.id, {
          status: 'absent',
        }).expect(201);
        absentIds.push(absent.body.id as string);
      }
    });

    it('counts every figure exactly, suppressing cells under 5', async () => {
      const res = await report(w.coordinator.token, `site=${SITE}`).expect(200);
      expect(res.body).toMatchObject({
        site: SITE,
        from: null,
        to: null,
        suppressionThreshold: 5,
        enrolled: 21,
        pendingConsent: null,
        active: 6,
        pendingCourtReview: null,
        completed: 5,
        withdrawn: 5,
        terminated: 5,
        completionRate: 0.3333,
        medianDaysToCompletion: 12,
        attendanceRateByCategory: {
          mental_health: 0.4545,
          substance_abuse: null,
          education: null,
          shelter: null,
        },
        // The 5 completed were connected the day they were activated; the 16 others have no
        // attended session and their 24 hours are still running: not decided yet.
        connectedWithin24hRate: 1,
        sealingNotices: { pending: 5, acknowledged: null, overdue: null },
        minorNoticesOverdue: null,
      });
      expect(res.body.suppressedCells).toEqual(
        expect.arrayContaining([
          { cell: 'pendingConsent', reason: 'small_count' },
          { cell: 'pendingCourtReview', reason: 'small_count' },
          { cell: 'attendanceRateByCategory.shelter', reason: 'small_base' },
          { cell: 'sealingNotices.acknowledged', reason: 'small_count' },
          { cell: 'sealingNotices.overdue', reason: 'small_count' },
          { cell: 'minorNoticesOverdue', reason: 'small_count' },
        ]),
      );
      // ...and the court findings: none here.
      expect(res.body.courtFindings).toEqual({ substantialCompliance: null, unsatisfactory: null });
      expect(res.body.suppressedCells).toHaveLength(10);
    });

    it('filters by start date (inclusive)', async () => {
      // Started 12..14 days ago: 3 completed only -> all small.
      const older = await report(
        w.coordinator.token,
        `site=${SITE}&from=${await localDate(-14)}&to=${await localDate(-12)}`,
      ).expect(200);
      expect(older.body).toMatchObject({ enrolled: null, completed: null, completionRate: null });

      // From 11 days ago: 2 completed (small) + 5 withdrawn + 5 terminated + 6 active = 18.
      const recent = await report(
        w.coordinator.token,
        `site=${SITE}&from=${await localDate(-11)}`,
      ).expect(200);
      expect(recent.body).toMatchObject({
        enrolled: 18,
        completed: null,
        withdrawn: 5,
        terminated: 5,
        active: 6,
        completionRate: null,
        medianDaysToCompletion: null,
      });
      expect(recent.body.suppressedCells).toEqual(
        expect.arrayContaining([
          { cell: 'completed', reason: 'small_count' },
          { cell: 'completionRate', reason: 'small_base' },
          { cell: 'medianDaysToCompletion', reason: 'small_base' },
        ]),
      );
    });

    it('is scoped: another agency counts nothing of it; admins and auditors count all', async () => {
      const other = await givenOtherCoordinator(t, w);
      const theirs = await report(other.token, `site=${SITE}`).expect(200);
      expect(theirs.body).toMatchObject({ enrolled: null, completed: null, active: null });
      const auditor = await givenUser(t, w.admin, { role: 'auditor', agencyId: w.da.id });
      for (const token of [w.admin, auditor.token]) {
        const all = await report(token, `site=${SITE}`).expect(200);
        expect(all.body).toMatchObject({ enrolled: 21, completed: 5, completionRate: 0.3333 });
      }
    });

    it('does not count a voided attendance record (after the other checks: it changes the rate)', async () => {
      await t.http
        .post(`/api/v1/attendance/${absentIds[0]}/void`)
        .auth(w.clinicUser.token, { type: 'bearer' })
        .send({ reason: 'Entered for the wrong client' })
        .expect(200);
      const res = await report(w.coordinator.token, `site=${SITE}`).expect(200);
      // 5 present of 10 recorded now.
      expect(res.body.attendanceRateByCategory.mental_health).toBe(0.5);
    });

    it('answers CSV with <5 for small counts, and no identifying data', async () => {
      const res = await report(w.coordinator.token, `site=${SITE}&format=csv`).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      const rows = new Map(
        res.text
          .trim()
          .split('\r\n')
          .map((line) => {
            const [metric, value, suppressed] = line.split(',');
            return [metric, { value, suppressed }];
          }),
      );
      expect(rows.get('enrolled')).toEqual({ value: '21', suppressed: '' });
      expect(rows.get('pendingConsent')).toEqual({ value: '<5', suppressed: 'small_count' });
      expect(rows.get('completionRate')).toEqual({ value: '0.3333', suppressed: '' });
      expect(rows.get('attendanceRateByCategory.shelter')).toEqual({
        value: '',
        suppressed: 'small_base',
      });
      expect(res.text).not.toMatch(/Maria|Lopez|BK-|PC 372/);
    });
  });

  it('defuses a formula in the echoed site (CSV injection)', async () => {
    const site = '=HYPERLINK("http://evil.example","x")';
    const res = await report(
      w.coordinator.token,
      `site=${encodeURIComponent(site)}&format=csv`,
    ).expect(200);
    const line = res.text.split('\r\n').find((l) => l.startsWith('site,'))!;
    expect(line).toBe(`site,"'=HYPERLINK(""http://evil.example"",""x"")",`);
    for (const cell of res.text.split(/[,\r\n]/)) expect(cell).not.toMatch(/^[=+\-@]/);
  });

  describe('the 24-hour rule (site Downey)', () => {
    const SITE = 'Downey';
    // Activation at 20:00 (program time) three days ago: D. Sessions recorded now.
    const views: Record<'sameDay' | 'nextDay' | 'startGiven', string[]> = {
      sameDay: [],
      nextDay: [],
      startGiven: [],
    };
    beforeAll(async () => {
      const activationDay = await localDate(-3);
      const nextDay = await localDate(-2);
      const [{ start }] = await db.query<{ start: string }[]>(
        `SELECT to_char((($1::date + time '19:00') AT TIME ZONE $2) AT TIME ZONE 'UTC',
                        'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS start`,
        [nextDay, ZONE],
      );
      for (const group of ['sameDay', 'nextDay', 'startGiven'] as const) {
        for (let i = 0; i < 5; i++) {
          const e = await active(SITE, -4);
          // The clock moved on: the minor consented three days ago at 20:00.
          await db.query(
            `UPDATE enrollments SET activated_at = ($2::date + time '20:00') AT TIME ZONE $3
              WHERE id = $1`,
            [e.enrollmentId, activationDay, ZONE],
          );
          const milestone = await givenMilestone(t, w, e.enrollmentId, {
            category: 'shelter',
            providerAgencyId: w.shelter.id,
            requiredSessions: 10,
          });
          const body =
            group === 'sameDay'
              ? { sessionDate: activationDay } // held on activation day, entered 3 days later
              : group === 'nextDay'
                ? { sessionDate: nextDay } // end of the next day: 28 hours
                : { sessionDate: nextDay, sessionStartedAt: start }; // started 23 hours after
          await recordAttendance(t, w.shelterUser.token, milestone.id, body).expect(201);
          views[group].push(e.enrollmentId);
        }
      }
    });

    const view = async (id: string) =>
      (
        await t.http
          .get(`/api/v1/enrollments/${id}`)
          .auth(w.coordinator.token, { type: 'bearer' })
          .expect(200)
      ).body as { connectedWithin24h: boolean | null; firstServiceAt: string };

    it('measures from activation to when the session took place, never when it was entered', async () => {
      for (const id of views.sameDay) expect((await view(id)).connectedWithin24h).toBe(true);
      for (const id of views.nextDay) expect((await view(id)).connectedWithin24h).toBe(false);
      for (const id of views.startGiven) expect((await view(id)).connectedWithin24h).toBe(true);
      const [{ endOfDay }] = await db.query<{ endOfDay: Date }[]>(
        `SELECT (($1::date + 1)::timestamp AT TIME ZONE $2) AS "endOfDay"`,
        [await localDate(-3), ZONE],
      );
      expect((await view(views.sameDay[0])).firstServiceAt).toBe(endOfDay.toISOString());
      const res = await report(w.coordinator.token, `site=${SITE}`).expect(200);
      expect(res.body).toMatchObject({ enrolled: 15, active: 15, connectedWithin24hRate: 0.6667 });
    });

    it('stores and returns sessionStartedAt, and refuses one off the session date (422) or malformed (400)', async () => {
      const e = await active(SITE, -4);
      const milestone = await givenMilestone(t, w, e.enrollmentId, {
        category: 'education',
        providerAgencyId: w.school.id,
        requiredSessions: 2,
      });
      const mismatch = await recordAttendance(t, w.schoolUser.token, milestone.id, {
        sessionDate: await localDate(-2),
        sessionStartedAt: `${await localDate(-3)}T12:00:00-08:00`,
      });
      expectProblem(mismatch, 422, 'attendance-session-start-mismatch');
      const local = await recordAttendance(t, w.schoolUser.token, milestone.id, {
        sessionStartedAt: '2026-03-02T10:00:00',
      });
      expect(local.status).toBe(400);
      expect(local.body.errors.map((x: { field: string }) => x.field)).toEqual([
        'sessionStartedAt',
      ]);
      const [{ start }] = await db.query<{ start: string }[]>(
        `SELECT to_char((($1::date + time '09:30') AT TIME ZONE $2) AT TIME ZONE 'UTC',
                        'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS start`,
        [await localDate(-1), ZONE],
      );
      const ok = await recordAttendance(t, w.schoolUser.token, milestone.id, {
        sessionDate: await localDate(-1),
        sessionStartedAt: start,
      }).expect(201);
      expect(ok.body.sessionStartedAt).toBe(new Date(start).toISOString());
      expect((await view(e.enrollmentId)).firstServiceAt).toBe(new Date(start).toISOString());
    });
  });

  describe('sealing notices and minors notices (site Norwalk)', () => {
    const SITE = 'Norwalk';
    beforeAll(async () => {
      const acked: string[] = [];
      const overdue: string[] = [];
      for (let i = 0; i < 6; i++) acked.push((await completed(SITE, -5)).enrollmentId);
      for (let i = 0; i < 5; i++) overdue.push((await completed(SITE, -5)).arrestId);
      const police = await givenClient(t, w.admin, {
        agencyId: w.police.id,
        scopes: ['sealing:ack'],
      });
      const pending = (
        await t.http
          .get('/api/v1/sealing-notices?status=pending&limit=500')
          .auth(police.token, { type: 'bearer' })
          .expect(200)
      ).body.items as { id: string; enrollmentId: string }[];
      for (const notice of pending.filter((n) => acked.includes(n.enrollmentId))) {
        await t.http
          .post(`/api/v1/sealing-notices/${notice.id}/ack`)
          .auth(police.token, { type: 'bearer' })
          .send({ reference: 'RMS-1' })
          .expect(200);
      }
      // The clock moved on: acknowledged 31 days ago; the other notices' 60 days have passed.
      await db.query(
        `UPDATE sealing_notices SET acknowledged_at = now() - interval '31 days'
          WHERE enrollment_id = ANY($1)`,
        [acked],
      );
      await db.query(
        `UPDATE sealing_notices SET due_at = now() - interval '1 hour' WHERE arrest_record_id = ANY($1)`,
        [overdue],
      );
      // One minor was told: 5 notices to minors remain overdue.
      await t.http
        .post(`/api/v1/enrollments/${acked[0]}/minor-notification`)
        .auth(w.coordinator.token, { type: 'bearer' })
        .send({ notifiedAt: new Date().toISOString(), method: 'mail' })
        .expect(200);
    });

    it('counts pending, acknowledged and overdue notices and overdue minors notices', async () => {
      const res = await report(w.coordinator.token, `site=${SITE}`).expect(200);
      expect(res.body).toMatchObject({
        enrolled: 11,
        completed: 11,
        sealingNotices: { pending: 5, acknowledged: 6, overdue: 5 },
        minorNoticesOverdue: 5,
      });
    });
  });

  describe('court findings (site Whittier)', () => {
    const SITE = 'Whittier';
    const decide = (enrollmentId: string, body: object) =>
      t.http
        .post(`/api/v1/enrollments/${enrollmentId}/completion`)
        .auth(w.clerk.token, { type: 'bearer' })
        .send(body)
        .expect(200);
    /** Active, one mental-health milestone of 2 sessions with 1 attended, submitted short. */
    async function submittedShort() {
      const e = await active(SITE, -3);
      const milestone = await givenMilestone(t, w, e.enrollmentId, {
        category: 'mental_health',
        providerAgencyId: w.clinic.id,
        requiredSessions: 2,
      });
      await recordAttendance(t, w.clinicUser.token, milestone.id).expect(201);
      await t.http
        .post(`/api/v1/enrollments/${e.enrollmentId}/submit-for-review`)
        .auth(w.coordinator.token, { type: 'bearer' })
        .send({ shortfallReason: 'Missed the last session in hospital' })
        .expect(200);
      return e;
    }

    beforeAll(async () => {
      for (let i = 0; i < 6; i++) {
        const e = await submittedShort();
        await decide(e.enrollmentId, {
          decision: 'confirmed',
          courtOrderNumber: 'JV-SC',
          substantialComplianceFinding: 'Substantial compliance: illness documented',
        });
      }
      for (let i = 0; i < 5; i++) {
        const e = await submittedShort();
        await decide(e.enrollmentId, {
          decision: 'unsatisfactory',
          reasons: 'Stopped attending',
          minorNotice: {
            notifiedAt: new Date(Date.now() - 60_000).toISOString(),
            method: 'letter',
          },
        });
      }
      // Neither: a full completion, and a rejection (sent back, still under way).
      await completed(SITE, -3);
      const rejected = await submittedShort();
      await decide(rejected.enrollmentId, { decision: 'rejected', reasons: 'Finish the sessions' });
    });

    it('counts completions on a finding of substantial compliance and unsatisfactory findings', async () => {
      const res = await report(w.coordinator.token, `site=${SITE}`).expect(200);
      expect(res.body).toMatchObject({
        enrolled: 13,
        completed: 7,
        terminated: 5,
        courtFindings: { substantialCompliance: 6, unsatisfactory: 5 },
      });
      const csv = await report(w.coordinator.token, `site=${SITE}&format=csv`).expect(200);
      expect(csv.text).toContain('\r\ncourtFindings.substantialCompliance,6,\r\n');
      expect(csv.text).toContain('\r\ncourtFindings.unsatisfactory,5,\r\n');
    });
  });

  it('refuses bad parameters (400) and callers without a reporting role (403)', async () => {
    const bad = await report(w.coordinator.token, 'from=2026-02-30&format=xml');
    expectProblem(bad, 400, 'validation-failed');
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'format',
      'from',
    ]);
    const reversed = await report(w.coordinator.token, 'from=2026-03-02&to=2026-03-01');
    expectProblem(reversed, 400, 'validation-failed');
    const unknown = await report(w.coordinator.token, 'sort=name');
    expectProblem(unknown, 400, 'validation-failed');
    expectProblem(await report(w.clinicUser.token, ''), 403, 'forbidden');
    expectProblem(await report(w.clerk.token, ''), 403, 'forbidden');
  });
});
