import { DataSource } from 'typeorm';
import { AttendanceRepository } from '../src/attendance/attendance.repository';
import { MilestonesRepository } from '../src/enrollments/milestones/milestones.repository';
import { REDISCLOSURE_NOTICE_42_CFR_2_32 } from '../src/privacy/part2';
import { givenUser } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';
import {
  dateOfBirthForAge,
  givenActiveEnrollment,
  givenArrestRecord,
  givenClient,
  givenEnrollment,
  givenMilestone,
  givenOtherCoordinator,
  givenParticipant,
  recordAttendance,
  recordConsent,
  World,
  givenWorld,
} from './support/workflow';

/** A calendar date `days` from today (UTC), as the API takes it. */
const day = (days = 0) => new Date(Date.now() + days * 86400_000).toISOString().slice(0, 10);
const problemType = (code: string) => expect.stringMatching(new RegExp(`:${code}$`));
const bearer = { type: 'bearer' } as const;
/** Enrollment actions answer 200 or 201 (their contract, not this file's). */
const succeeded = (res: { status: number }) => expect([200, 201]).toContain(res.status);

describe('attendance', () => {
  let t: TestApp;
  let w: World;
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp();
    w = await givenWorld(t);
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> =>
    db.query(text, params);
  const rowsOf = async (milestoneId: string) =>
    sql<{ id: string; status: string; external_id: string | null }>(
      'SELECT id, status, external_id FROM attendance_records WHERE milestone_id = $1',
      [milestoneId],
    );
  const milestoneRow = async (id: string) =>
    (
      await sql<{ attended_sessions: number; met_at: Date | null; version: number }>(
        'SELECT attended_sessions, met_at, version FROM milestones WHERE id = $1',
        [id],
      )
    )[0];
  const eventsOf = async (type: string, key: string, value: string) =>
    sql<{ data: Record<string, unknown> }>(
      `SELECT data FROM outbox_events WHERE type = $1 AND data->>'${key}' = $2 ORDER BY position`,
      [type, value],
    );
  const firstServiceAt = async (enrollmentId: string) =>
    (
      await sql<{ first_service_at: Date | null }>(
        'SELECT first_service_at FROM enrollments WHERE id = $1',
        [enrollmentId],
      )
    )[0].first_service_at;

  /** An active enrollment with one milestone. */
  async function givenPlan(
    category = 'mental_health',
    providerAgencyId = w.clinic.id,
    requiredSessions = 3,
  ) {
    const { enrollment } = await givenActiveEnrollment(t, w);
    const milestone = await givenMilestone(t, w, enrollment.id, {
      category,
      providerAgencyId,
      requiredSessions,
    });
    return { enrollment, milestone };
  }

  /** An active enrollment that started `daysAgo` days ago (arrest two days before it). */
  async function givenEnrollmentStartedDaysAgo(daysAgo: number) {
    const participant = await givenParticipant(t, w.coordinator.token, {
      dateOfBirth: dateOfBirthForAge(15),
    });
    const arrest = await givenArrestRecord(t, w.coordinator.token, participant.id, w.police.id, {
      arrestedAt: new Date(Date.now() - (daysAgo + 2) * 86400_000).toISOString(),
    });
    const res = await t.http
      .post('/api/v1/enrollments')
      .auth(w.coordinator.token, bearer)
      .send({
        participantId: participant.id,
        arrestRecordId: arrest.id,
        site: 'Compton',
        startDate: day(-daysAgo),
      })
      .expect(201);
    const enrollment = res.body as { id: string; startDate: string; scheduledEndDate: string };
    await recordConsent(t, w.coordinator.token, enrollment.id);
    const milestone = await givenMilestone(t, w, enrollment.id, {
      category: 'mental_health',
      providerAgencyId: w.clinic.id,
      requiredSessions: 5,
    });
    return { enrollment, milestone };
  }

  async function enrollmentView(enrollmentId: string) {
    const res = await t.http
      .get(`/api/v1/enrollments/${enrollmentId}`)
      .auth(w.coordinator.token, bearer)
      .expect(200);
    return res.body as {
      firstServiceAt: string | null;
      milestones: { id: string; status: string; attendedSessions: number }[];
    };
  }

  describe('POST /milestones/:id/attendance', () => {
    it('records a session (201, ETag) and derives progress from present sessions only', async () => {
      const { enrollment, milestone } = await givenPlan('mental_health', w.clinic.id, 2);

      const first = await recordAttendance(t, w.clinicUser.token, milestone.id, {
        status: 'present',
        durationMinutes: 50,
        notes: 'Talked about school and family',
      }).expect(201);
      expect(first.headers.etag).toBe('"1"');
      expect(first.body).toEqual({
        id: expect.any(String),
        milestoneId: milestone.id,
        enrollmentId: enrollment.id,
        sessionDate: day(),
        sessionStartedAt: null,
        status: 'present',
        durationMinutes: 50,
        notes: 'Talked about school and family',
        externalId: null,
        voided: false,
        voidedAt: null,
        voidedBy: null,
        voidReason: null,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
        version: 1,
      });
      let view = await enrollmentView(enrollment.id);
      expect(view.milestones[0]).toMatchObject({
        id: milestone.id,
        attendedSessions: 1,
        status: 'in_progress',
      });

      await recordAttendance(t, w.clinicUser.token, milestone.id, { status: 'absent' }).expect(201);
      await recordAttendance(t, w.clinicUser.token, milestone.id, { status: 'excused' }).expect(
        201,
      );
      expect(await milestoneRow(milestone.id)).toMatchObject({
        attended_sessions: 1,
        met_at: null,
      });

      await recordAttendance(t, w.clinicUser.token, milestone.id, { status: 'present' }).expect(
        201,
      );
      view = await enrollmentView(enrollment.id);
      expect(view.milestones[0]).toMatchObject({ attendedSessions: 2, status: 'met' });
      expect((await milestoneRow(milestone.id)).met_at).not.toBeNull();

      // A session beyond the requirement keeps it met and does not announce it again.
      await recordAttendance(t, w.clinicUser.token, milestone.id, { status: 'present' }).expect(
        201,
      );
      expect(await milestoneRow(milestone.id)).toMatchObject({ attended_sessions: 3 });
      const met = await eventsOf('milestone.met', 'milestoneId', milestone.id);
      expect(met.map((e) => e.data)).toEqual([
        { milestoneId: milestone.id, enrollmentId: enrollment.id, category: 'mental_health' },
      ]);

      const recorded = await eventsOf('attendance.recorded', 'milestoneId', milestone.id);
      expect(recorded).toHaveLength(5);
      expect(recorded[0].data).toEqual({
        attendanceId: first.body.id,
        milestoneId: milestone.id,
        enrollmentId: enrollment.id,
        category: 'mental_health',
        status: 'present',
        sessionDate: day(),
        version: 1,
      });
      expect(JSON.stringify(recorded)).not.toContain('school');
    });

    it('stamps the 24-hour rule with the first present session, and only that one', async () => {
      const { enrollment, milestone } = await givenPlan();
      await recordAttendance(t, w.clinicUser.token, milestone.id, { status: 'absent' }).expect(201);
      expect(await firstServiceAt(enrollment.id)).toBeNull();

      await recordAttendance(t, w.clinicUser.token, milestone.id, { status: 'present' }).expect(
        201,
      );
      const stamped = await firstServiceAt(enrollment.id);
      expect(stamped).not.toBeNull();
      expect((await enrollmentView(enrollment.id)).firstServiceAt).toBe(stamped!.toISOString());

      // Another category's first session does not move it.
      const shelter = await givenMilestone(t, w, enrollment.id, {
        category: 'shelter',
        providerAgencyId: w.shelter.id,
        requiredSessions: 5,
      });
      await recordAttendance(t, w.shelterUser.token, shelter.id, { status: 'present' }).expect(201);
      expect(await firstServiceAt(enrollment.id)).toEqual(stamped);
    });

    it('counts exactly under 20 parallel writes to one milestone', async () => {
      const { milestone } = await givenPlan('mental_health', w.clinic.id, 20);
      const responses = await Promise.all(
        Array.from({ length: 20 }, () =>
          recordAttendance(t, w.clinicUser.token, milestone.id, { status: 'present' }),
        ),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201));
      expect(await milestoneRow(milestone.id)).toMatchObject({ attended_sessions: 20 });
      expect((await milestoneRow(milestone.id)).met_at).not.toBeNull();
      expect(await rowsOf(milestone.id)).toHaveLength(20);
      expect(await eventsOf('milestone.met', 'milestoneId', milestone.id)).toHaveLength(1);
    });

    it('answers a re-sent externalId with the stored record (200), counted once', async () => {
      const { milestone } = await givenPlan();
      const first = await recordAttendance(t, w.clinicUser.token, milestone.id, {
        externalId: 'EHR-1001',
      }).expect(201);
      const again = await recordAttendance(t, w.clinicUser.token, milestone.id, {
        externalId: 'EHR-1001',
        status: 'absent',
        notes: 'changed my mind',
      }).expect(200);
      expect(again.body).toEqual(first.body);
      expect(again.headers.etag).toBe('"1"');
      expect(await rowsOf(milestone.id)).toHaveLength(1);
      expect(await milestoneRow(milestone.id)).toMatchObject({ attended_sessions: 1 });
      expect(await eventsOf('attendance.recorded', 'milestoneId', milestone.id)).toHaveLength(1);
    });

    it('writes one record when the same externalId arrives concurrently', async () => {
      const { milestone } = await givenPlan();
      const responses = await Promise.all(
        Array.from({ length: 6 }, () =>
          recordAttendance(t, w.clinicUser.token, milestone.id, { externalId: 'EHR-race' }),
        ),
      );
      expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
      expect(new Set(responses.map((r) => r.body.id as string)).size).toBe(1);
      expect(await milestoneRow(milestone.id)).toMatchObject({ attended_sessions: 1 });
    });

    it("refuses an externalId already used for another milestone of the agency (409), but not another agency's", async () => {
      const { enrollment, milestone } = await givenPlan();
      const other = await givenMilestone(t, w, enrollment.id, {
        category: 'substance_abuse',
        providerAgencyId: w.clinic.id,
        requiredSessions: 3,
      });
      await recordAttendance(t, w.clinicUser.token, milestone.id, {
        externalId: 'EHR-2002',
      }).expect(201);
      const res = await recordAttendance(t, w.clinicUser.token, other.id, {
        externalId: 'EHR-2002',
      }).expect(409);
      expect(res.body.type).toEqual(problemType('attendance-external-id-conflict'));
      expect(await rowsOf(other.id)).toHaveLength(0);
      expect(await milestoneRow(other.id)).toMatchObject({ attended_sessions: 0, version: 1 });

      // externalIds are per provider agency: the shelter's own EHR-2002 is a different record.
      const shelter = await givenMilestone(t, w, enrollment.id, {
        category: 'shelter',
        providerAgencyId: w.shelter.id,
        requiredSessions: 3,
      });
      await recordAttendance(t, w.shelterUser.token, shelter.id, { externalId: 'EHR-2002' }).expect(
        201,
      );
    });

    it('keeps one record when one externalId races to two milestones (one 201, the rest 409)', async () => {
      const plans = await Promise.all([givenPlan(), givenPlan(), givenPlan()]);
      // Widen the window between "is this externalId stored?" and the insert, so that on a
      // real server concurrent writers all pass the check and meet at the unique index.
      const repository = t.app.get(AttendanceRepository);
      const lookup = repository.findByExternalIds.bind(repository);
      const slow = jest
        .spyOn(repository, 'findByExternalIds')
        .mockImplementation(async (...args) => {
          const found = await lookup(...args);
          await new Promise((resolve) => setTimeout(resolve, 150));
          return found;
        });
      let responses: { status: number; body: { id: string } }[];
      try {
        responses = await Promise.all(
          plans.flatMap(({ milestone }) =>
            [1, 2].map(() =>
              recordAttendance(t, w.clinicUser.token, milestone.id, { externalId: 'EHR-cross' }),
            ),
          ),
        );
      } finally {
        slow.mockRestore();
      }
      const statuses = responses.map((r) => r.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      const conflicts = responses.filter((r) => r.status === 409);
      expect(conflicts).toHaveLength(4);
      for (const res of conflicts) {
        expect((res.body as { type?: string }).type).toEqual(
          problemType('attendance-external-id-conflict'),
        );
      }
      const stored = await sql<{ milestone_id: string }>(
        `SELECT milestone_id FROM attendance_records WHERE external_id = 'EHR-cross'`,
      );
      expect(stored).toHaveLength(1);
      for (const { milestone } of plans) {
        const expected = milestone.id === stored[0].milestone_id ? 1 : 0;
        expect(await milestoneRow(milestone.id)).toMatchObject({ attended_sessions: expected });
      }
    });

    it("answers 404 to any agency but the milestone's provider, exactly as for an unknown id, and writes nothing", async () => {
      const { enrollment, milestone } = await givenPlan();
      const attempts = [
        recordAttendance(t, w.shelterUser.token, milestone.id),
        recordAttendance(t, w.schoolUser.token, milestone.id),
        recordAttendance(
          t,
          (await givenClient(t, w.admin, { agencyId: w.shelter.id, scopes: ['attendance:write'] }))
            .token,
          milestone.id,
        ),
      ];
      const unknown = await recordAttendance(
        t,
        w.shelterUser.token,
        '00000000-0000-4000-8000-000000000000',
      ).expect(404);
      const strip = (body: Record<string, unknown>) => ({
        ...body,
        instance: undefined,
        requestId: undefined,
      });
      for (const res of await Promise.all(attempts)) {
        expect(res.status).toBe(404);
        expect(strip(res.body)).toEqual(strip(unknown.body));
      }
      expect(await rowsOf(milestone.id)).toHaveLength(0);
      expect(await firstServiceAt(enrollment.id)).toBeNull();
    });

    it("lets the provider agency's machine client write, and refuses callers without the role or scope (403)", async () => {
      const { milestone } = await givenPlan();
      const writer = await givenClient(t, w.admin, {
        agencyId: w.clinic.id,
        scopes: ['attendance:write'],
      });
      const reader = await givenClient(t, w.admin, {
        agencyId: w.clinic.id,
        scopes: ['enrollments:read'],
      });
      await recordAttendance(t, writer.token, milestone.id).expect(201);
      await recordAttendance(t, reader.token, milestone.id).expect(403);
      await recordAttendance(t, w.coordinator.token, milestone.id).expect(403);
      await recordAttendance(t, w.admin, milestone.id).expect(403);
      expect(await rowsOf(milestone.id)).toHaveLength(1);
    });

    it('refuses enrollments that are not active (409) and writes nothing', async () => {
      const pending = await givenEnrollment(t, w);
      const pendingMilestone = await givenMilestone(t, w, pending.enrollment.id, {
        category: 'mental_health',
        providerAgencyId: w.clinic.id,
        requiredSessions: 3,
      });
      const res = await recordAttendance(t, w.clinicUser.token, pendingMilestone.id).expect(409);
      expect(res.body.type).toEqual(problemType('enrollment-not-active'));

      const { enrollment, milestone } = await givenPlan();
      await t.http
        .post(`/api/v1/enrollments/${enrollment.id}/withdraw`)
        .auth(w.coordinator.token, bearer)
        .send({ reason: 'Participant chose to leave the program' })
        .expect(succeeded);
      const withdrawn = await recordAttendance(t, w.clinicUser.token, milestone.id).expect(409);
      expect(withdrawn.body.type).toEqual(problemType('enrollment-not-active'));
      expect(await rowsOf(pendingMilestone.id)).toHaveLength(0);
      expect(await rowsOf(milestone.id)).toHaveLength(0);
    });

    it('accepts sessions only within the period (422 outside), extensions included, and not in the future', async () => {
      const { enrollment, milestone } = await givenEnrollmentStartedDaysAgo(100);
      expect(enrollment.startDate).toBe(day(-100));
      expect(enrollment.scheduledEndDate).toBe(day(-30));

      const before = await recordAttendance(t, w.clinicUser.token, milestone.id, {
        sessionDate: day(-101),
      }).expect(422);
      expect(before.body.type).toEqual(problemType('attendance-outside-period'));
      const after = await recordAttendance(t, w.clinicUser.token, milestone.id, {
        sessionDate: day(-29),
      }).expect(422);
      expect(after.body.type).toEqual(problemType('attendance-outside-period'));
      expect(await rowsOf(milestone.id)).toHaveLength(0);

      await recordAttendance(t, w.clinicUser.token, milestone.id, {
        sessionDate: day(-100),
      }).expect(201);
      await recordAttendance(t, w.clinicUser.token, milestone.id, { sessionDate: day(-30) }).expect(
        201,
      );

      await t.http
        .post(`/api/v1/enrollments/${enrollment.id}/extend`)
        .auth(w.coordinator.token, bearer)
        .send({ days: 40, reason: 'Hospitalised for two weeks' })
        .expect(succeeded);
      await recordAttendance(t, w.clinicUser.token, milestone.id, { sessionDate: day(-29) }).expect(
        201,
      );
      await recordAttendance(t, w.clinicUser.token, milestone.id, { sessionDate: day() }).expect(
        201,
      );

      const future = await recordAttendance(t, w.clinicUser.token, milestone.id, {
        sessionDate: day(2),
      }).expect(422);
      expect(future.body.type).toEqual(problemType('attendance-session-in-future'));
      expect(await rowsOf(milestone.id)).toHaveLength(4);
    });

    it('validates the body (400 per field, unknown fields refused)', async () => {
      const { milestone } = await givenPlan();
      const res = await recordAttendance(t, w.clinicUser.token, milestone.id, {
        sessionDate: '2026-02-30',
        status: 'late',
        durationMinutes: 5000,
        notes: 'x'.repeat(4001),
        externalId: 'e'.repeat(201),
        room: 'B',
      }).expect(400);
      expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(
        ['durationMinutes', 'externalId', 'notes', 'room', 'sessionDate', 'status'].sort(),
      );
      await t.http
        .post('/api/v1/milestones/not-a-uuid/attendance')
        .auth(w.clinicUser.token, bearer)
        .send({ sessionDate: day(), status: 'present' })
        .expect(400);
      expect(await rowsOf(milestone.id)).toHaveLength(0);
    });
  });

  describe('POST /attendance/batch', () => {
    it('writes the valid records of a 300-record batch and reports duplicates and rejections by index', async () => {
      const a = await givenPlan('mental_health', w.clinic.id, 1000);
      const aSubstance = await givenMilestone(t, w, a.enrollment.id, {
        category: 'substance_abuse',
        providerAgencyId: w.clinic.id,
        requiredSessions: 50,
      });
      const aShelter = await givenMilestone(t, w, a.enrollment.id, {
        category: 'shelter',
        providerAgencyId: w.shelter.id,
        requiredSessions: 5,
      });
      const b = await givenPlan('mental_health', w.clinic.id, 1000);
      const closed = await givenPlan('substance_abuse', w.clinic.id, 10);
      await t.http
        .post(`/api/v1/enrollments/${closed.enrollment.id}/terminate`)
        .auth(w.coordinator.token, bearer)
        .send({ reason: 'Non-compliance' })
        .expect(succeeded);
      const stored = await recordAttendance(t, w.clinicUser.token, a.milestone.id, {
        externalId: 'B-stored',
      }).expect(201);

      const targets = [a.milestone.id, aSubstance.id, b.milestone.id];
      const records: Record<string, unknown>[] = Array.from({ length: 300 }, (_, i) => ({
        milestoneId: targets[i % 3],
        sessionDate: day(),
        status: i % 4 === 0 ? 'absent' : 'present',
        durationMinutes: 45,
        externalId: `B-${i}`,
      }));
      const expectedRejected: [number, string][] = [
        [10, 'NOT_FOUND'],
        [20, 'NOT_FOUND'],
        [30, 'ENROLLMENT_NOT_ACTIVE'],
        [40, 'ATTENDANCE_OUTSIDE_PERIOD'],
        [50, 'VALIDATION_FAILED'],
        [60, 'VALIDATION_FAILED'],
        [90, 'ATTENDANCE_EXTERNAL_ID_CONFLICT'],
        [100, 'ATTENDANCE_SESSION_IN_FUTURE'],
        [110, 'VALIDATION_FAILED'],
      ];
      records[10].milestoneId = '00000000-0000-4000-8000-000000000000';
      records[20].milestoneId = aShelter.id; // the shelter's milestone: not the clinic's to write
      records[30].milestoneId = closed.milestone.id;
      records[40].sessionDate = day(-1);
      records[50].durationMinutes = 5000;
      records[60].status = 'late';
      records[70] = { ...records[70], milestoneId: a.milestone.id, externalId: 'B-stored' }; // re-send
      records[80] = { ...records[79] }; // repeated within the batch
      records[90] = { ...records[90], milestoneId: b.milestone.id, externalId: 'B-stored' }; // stored for another milestone
      records[100].sessionDate = day(3);
      records[110] = 'not a record' as unknown as Record<string, unknown>;

      const res = await t.http
        .post('/api/v1/attendance/batch')
        .auth(w.clinicUser.token, bearer)
        .send({ records })
        .expect(200);
      expect(
        res.body.rejected.map((r: { index: number; reason: string }) => [
          r.index,
          r.reason.split(':')[0],
        ]),
      ).toEqual(expectedRejected);
      expect(res.body.rejected[0].reason).toBe('NOT_FOUND: Milestone not found');
      expect(res.body.rejected[4].reason).toMatch(/^VALIDATION_FAILED: .*durationMinutes/);
      expect(res.body.duplicates).toBe(2);
      expect(res.body.accepted).toBe(300 - expectedRejected.length - 2);
      const outcomes = new Map<number, { index: number; id: string; outcome: string }>(
        res.body.records.map((r: { index: number; id: string; outcome: string }) => [r.index, r]),
      );
      expect(outcomes.get(70)).toEqual({ index: 70, id: stored.body.id, outcome: 'duplicate' });
      expect(outcomes.get(80)).toEqual({
        index: 80,
        id: outcomes.get(79)!.id,
        outcome: 'duplicate',
      });
      expect(outcomes.size).toBe(res.body.accepted + res.body.duplicates);

      // What was stored is exactly what was accepted, and progress counts present ones only.
      const acceptedIndexes = [...outcomes.values()]
        .filter((o) => o.outcome === 'accepted')
        .map((o) => o.index);
      for (const milestoneId of targets) {
        const expected = acceptedIndexes.filter((i) => records[i].milestoneId === milestoneId);
        const extra = milestoneId === a.milestone.id ? 1 : 0; // the record stored before the batch
        expect(await rowsOf(milestoneId)).toHaveLength(expected.length + extra);
        const present = expected.filter((i) => records[i].status === 'present').length + extra;
        expect(await milestoneRow(milestoneId)).toMatchObject({ attended_sessions: present });
      }
      expect(await rowsOf(aShelter.id)).toHaveLength(0);
      expect(await rowsOf(closed.milestone.id)).toHaveLength(0);
      expect(await firstServiceAt(b.enrollment.id)).not.toBeNull();
      const events = await sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM outbox_events WHERE type = 'attendance.recorded' AND data->>'milestoneId' = ANY($1)`,
        [targets],
      );
      expect(events[0].n).toBe(res.body.accepted + 1);

      // Re-sending the whole batch writes nothing new.
      const again = await t.http
        .post('/api/v1/attendance/batch')
        .auth(w.clinicUser.token, bearer)
        .send({ records })
        .expect(200);
      expect(again.body.accepted).toBe(0);
      expect(again.body.duplicates).toBe(res.body.accepted + res.body.duplicates);
      expect(again.body.rejected).toEqual(res.body.rejected);
    });

    it('marks a milestone met by a batch, once', async () => {
      const { enrollment, milestone } = await givenPlan('education', w.school.id, 3);
      const res = await t.http
        .post('/api/v1/attendance/batch')
        .auth(w.schoolUser.token, bearer)
        .send({
          records: Array.from({ length: 5 }, () => ({
            milestoneId: milestone.id,
            sessionDate: day(),
            status: 'present',
          })),
        })
        .expect(200);
      expect(res.body).toMatchObject({ accepted: 5, duplicates: 0, rejected: [] });
      expect((await enrollmentView(enrollment.id)).milestones[0]).toMatchObject({
        attendedSessions: 5,
        status: 'met',
      });
      expect(await eventsOf('milestone.met', 'milestoneId', milestone.id)).toHaveLength(1);
    });

    it('writes the accepted records all or nothing: a failure after the insert leaves no trace', async () => {
      const { enrollment, milestone } = await givenPlan('mental_health', w.clinic.id, 3);
      const repository = t.app.get(MilestonesRepository);
      const failure = jest
        .spyOn(repository, 'addAttendance')
        .mockRejectedValueOnce(new Error('injected failure after insert and progress'));
      const records = Array.from({ length: 4 }, (_, i) => ({
        milestoneId: milestone.id,
        sessionDate: day(),
        status: 'present',
        externalId: `AON-${i}`,
      }));
      const eventsBefore = await sql<{ n: number }>('SELECT count(*)::int AS n FROM outbox_events');
      const auditBefore = await sql<{ n: number }>('SELECT count(*)::int AS n FROM audit_events');
      try {
        const res = await t.http
          .post('/api/v1/attendance/batch')
          .auth(w.clinicUser.token, bearer)
          .send({ records });
        expect(res.status).toBe(500);
        expect(JSON.stringify(res.body)).not.toContain('injected');
        expect(failure).toHaveBeenCalledTimes(1);
      } finally {
        failure.mockRestore();
      }
      expect(await rowsOf(milestone.id)).toHaveLength(0);
      expect(await milestoneRow(milestone.id)).toMatchObject({
        attended_sessions: 0,
        met_at: null,
        version: 1,
      });
      expect(await firstServiceAt(enrollment.id)).toBeNull();
      expect((await sql<{ n: number }>('SELECT count(*)::int AS n FROM outbox_events'))[0].n).toBe(
        eventsBefore[0].n,
      );
      expect((await sql<{ n: number }>('SELECT count(*)::int AS n FROM audit_events'))[0].n).toBe(
        auditBefore[0].n,
      );

      const retry = await t.http
        .post('/api/v1/attendance/batch')
        .auth(w.clinicUser.token, bearer)
        .send({ records })
        .expect(200);
      expect(retry.body).toMatchObject({ accepted: 4, duplicates: 0, rejected: [] });
      expect(await milestoneRow(milestone.id)).toMatchObject({ attended_sessions: 4 });
    });

    it('refuses an empty batch or one over 1000 records (400) and writes nothing', async () => {
      const { milestone } = await givenPlan();
      const record = { milestoneId: milestone.id, sessionDate: day(), status: 'present' };
      const tooMany = await t.http
        .post('/api/v1/attendance/batch')
        .auth(w.clinicUser.token, bearer)
        .send({ records: Array.from({ length: 1001 }, () => record) })
        .expect(400);
      expect(tooMany.body.errors).toEqual([
        { field: 'records', message: expect.stringMatching(/1000/) },
      ]);
      await t.http
        .post('/api/v1/attendance/batch')
        .auth(w.clinicUser.token, bearer)
        .send({ records: [] })
        .expect(400);
      await t.http
        .post('/api/v1/attendance/batch')
        .auth(w.clinicUser.token, bearer)
        .send({})
        .expect(400);
      await t.http
        .post('/api/v1/attendance/batch')
        .auth(w.coordinator.token, bearer)
        .send({ records: [record] })
        .expect(403);
      expect(await rowsOf(milestone.id)).toHaveLength(0);
    });

    it('gives records and their events time-ordered ids (UUIDv7), increasing in the order written', async () => {
      const { milestone } = await givenPlan('mental_health', w.clinic.id, 50);
      const uuid7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
      const millisecondOf = (id: string) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);
      const from = Date.now();
      const res = await t.http
        .post('/api/v1/attendance/batch')
        .auth(w.clinicUser.token, bearer)
        .send({
          records: Array.from({ length: 20 }, (_, i) => ({
            milestoneId: milestone.id,
            sessionDate: day(),
            status: i % 2 ? 'present' : 'absent',
          })),
        })
        .expect(200);
      const single = await recordAttendance(t, w.clinicUser.token, milestone.id).expect(201);
      const to = Date.now();
      const ids = [...res.body.records.map((r: { id: string }) => r.id), single.body.id as string];
      const events = (
        await sql<{ id: string }>(
          `SELECT id FROM outbox_events WHERE type = 'attendance.recorded'
              AND data->>'milestoneId' = $1 ORDER BY position`,
          [milestone.id],
        )
      ).map((e) => e.id);
      expect(events).toHaveLength(21);
      for (const list of [ids, events]) {
        for (const id of list) {
          expect(id).toMatch(uuid7);
          expect(millisecondOf(id)).toBeGreaterThanOrEqual(from);
          expect(millisecondOf(id)).toBeLessThanOrEqual(to);
        }
        // PostgreSQL orders uuids by their bytes: the order of their lowercase hex.
        expect([...list].sort()).toEqual(list);
      }
      // Any UUID version is an id the API takes back.
      await t.http.get(`/api/v1/attendance/${ids[0]}`).auth(w.clinicUser.token, bearer).expect(200);
    });

    it('takes exactly 1000 records in one call', async () => {
      const { milestone } = await givenPlan('mental_health', w.clinic.id, 1000);
      const res = await t.http
        .post('/api/v1/attendance/batch')
        .auth(w.clinicUser.token, bearer)
        .send({
          records: Array.from({ length: 1000 }, (_, i) => ({
            milestoneId: milestone.id,
            sessionDate: day(),
            status: 'present',
            externalId: `K-${i}`,
          })),
        })
        .expect(200);
      expect(res.body).toMatchObject({ accepted: 1000, duplicates: 0, rejected: [] });
      expect(await milestoneRow(milestone.id)).toMatchObject({ attended_sessions: 1000 });
    });
  });

  describe('PATCH /attendance/:id', () => {
    const patch = (token: string, id: string, body: Record<string, unknown>, ifMatch?: string) => {
      const req = t.http.patch(`/api/v1/attendance/${id}`).auth(token, bearer);
      if (ifMatch !== undefined) void req.set('If-Match', ifMatch);
      return req.send(body);
    };

    it('requires If-Match (428), refuses a stale one (412), and progress follows a correction', async () => {
      const { enrollment, milestone } = await givenPlan('mental_health', w.clinic.id, 1);
      const created = await recordAttendance(t, w.clinicUser.token, milestone.id, {
        notes: 'first',
      }).expect(201);
      const id = created.body.id as string;
      expect(await milestoneRow(milestone.id)).toMatchObject({ attended_sessions: 1 });
      expect(await firstServiceAt(enrollment.id)).not.toBeNull();

      const missing = await patch(w.clinicUser.token, id, { status: 'absent' }).expect(428);
      expect(missing.body.type).toEqual(problemType('precondition-required'));
      const stale = await patch(w.clinicUser.token, id, { status: 'absent' }, '"7"').expect(412);
      expect(stale.body.type).toEqual(problemType('precondition-failed'));
      await patch(w.clinicUser.token, id, { status: 'absent' }, 'W/"1"').expect(412);
      expect((await rowsOf(milestone.id))[0].status).toBe('present');

      // present -> absent: the milestone is no longer met, and the 24-hour stamp goes with the only session.
      const corrected = await patch(
        w.clinicUser.token,
        id,
        { status: 'absent', notes: null },
        created.headers.etag,
      ).expect(200);
      expect(corrected.headers.etag).toBe('"2"');
      expect(corrected.body).toMatchObject({ id, status: 'absent', notes: null, version: 2 });
      expect(await milestoneRow(milestone.id)).toMatchObject({
        attended_sessions: 0,
        met_at: null,
      });
      expect((await enrollmentView(enrollment.id)).milestones[0]).toMatchObject({
        status: 'not_started',
      });
      expect(await firstServiceAt(enrollment.id)).toBeNull();

      await patch(w.clinicUser.token, id, { status: 'present' }, '"1"').expect(412);
      const back = await patch(
        w.clinicUser.token,
        id,
        { status: 'present', durationMinutes: 30 },
        '"2"',
      ).expect(200);
      expect(back.body).toMatchObject({ status: 'present', durationMinutes: 30, version: 3 });
      expect((await enrollmentView(enrollment.id)).milestones[0]).toMatchObject({
        attendedSessions: 1,
        status: 'met',
      });
      expect(await firstServiceAt(enrollment.id)).not.toBeNull();
      // milestone.met marks each transition to met: once at first, once after the correction undone.
      expect(await eventsOf('milestone.met', 'milestoneId', milestone.id)).toHaveLength(2);
      const recorded = await eventsOf('attendance.recorded', 'attendanceId', id);
      expect(
        recorded.map((e) => [e.data.status, e.data.version, e.data.corrected ?? false]),
      ).toEqual([
        ['present', 1, false],
        ['absent', 2, true],
        ['present', 3, true],
      ]);

      const current = await t.http
        .get(`/api/v1/attendance/${id}`)
        .auth(w.clinicUser.token, bearer)
        .expect(200);
      expect(current.headers.etag).toBe('"3"');
    });

    it('answers 404 to another agency (even with the right ETag), 409 once the enrollment is closed, 400 on bad fields', async () => {
      const { enrollment, milestone } = await givenPlan();
      const created = await recordAttendance(t, w.clinicUser.token, milestone.id).expect(201);
      const id = created.body.id as string;
      await patch(w.shelterUser.token, id, { status: 'absent' }, '"1"').expect(404);
      await patch(
        w.clinicUser.token,
        '00000000-0000-4000-8000-000000000000',
        { status: 'absent' },
        '"1"',
      ).expect(404);
      await patch(w.coordinator.token, id, { status: 'absent' }, '"1"').expect(403);
      await patch(w.clinicUser.token, id, { status: 'late' }, '"1"').expect(400);
      await patch(w.clinicUser.token, id, { status: null }, '"1"').expect(400);
      await patch(w.clinicUser.token, id, { sessionDate: day(-1) }, '"1"').expect(400);

      await t.http
        .post(`/api/v1/enrollments/${enrollment.id}/withdraw`)
        .auth(w.coordinator.token, bearer)
        .send({ reason: 'Moved out of county' })
        .expect(succeeded);
      const closed = await patch(w.clinicUser.token, id, { status: 'absent' }, '"1"').expect(409);
      expect(closed.body.type).toEqual(problemType('enrollment-not-active'));
      expect(await rowsOf(milestone.id)).toEqual([expect.objectContaining({ status: 'present' })]);
      expect(await milestoneRow(milestone.id)).toMatchObject({ attended_sessions: 1 });
    });
  });

  describe('GET /milestones/:id/attendance', () => {
    it('shows session details to the provider, the coordinator and consented agencies only, with the 42 CFR 2.32 notice', async () => {
      const { enrollment, milestone } = await givenPlan('substance_abuse', w.clinic.id, 10);
      await givenMilestone(t, w, enrollment.id, {
        category: 'shelter',
        providerAgencyId: w.shelter.id,
        requiredSessions: 5,
      });
      for (const status of ['present', 'absent', 'present']) {
        await recordAttendance(t, w.clinicUser.token, milestone.id, {
          status,
          notes: 'Relapse prevention group',
        }).expect(201);
      }
      const list = (token: string) =>
        t.http.get(`/api/v1/milestones/${milestone.id}/attendance`).auth(token, bearer);

      const own = await list(w.clinicUser.token).expect(200);
      expect(own.body.items).toHaveLength(3);
      expect(own.body.items[0]).not.toHaveProperty('redisclosureNotice');
      expect(own.body.items[0].notes).toBe('Relapse prevention group');

      const coordinator = await list(w.coordinator.token).expect(200);
      expect(coordinator.body.items).toHaveLength(3);
      for (const item of coordinator.body.items)
        expect(item.redisclosureNotice).toBe(REDISCLOSURE_NOTICE_42_CFR_2_32);

      // The shelter holds a milestone of the enrollment, but not this service's details; the school none at all.
      const unknown = await t.http
        .get('/api/v1/milestones/00000000-0000-4000-8000-000000000000/attendance')
        .auth(w.shelterUser.token, bearer)
        .expect(404);
      const strip = (body: Record<string, unknown>) => ({
        ...body,
        instance: undefined,
        requestId: undefined,
      });
      for (const token of [
        w.shelterUser.token,
        w.schoolUser.token,
        (await givenOtherCoordinator(t, w)).token,
      ]) {
        const res = await list(token).expect(404);
        expect(strip(res.body)).toEqual(strip(unknown.body));
      }
      await list(w.clerk.token).expect(403);

      // An information-sharing consent for substance_abuse opens it to the shelter, with the notice.
      await recordConsent(t, w.coordinator.token, enrollment.id, {
        kind: 'information_sharing',
        serviceCategory: 'substance_abuse',
        recipientAgencyId: w.shelter.id,
      });
      const shared = await list(w.shelterUser.token).expect(200);
      expect(shared.body.items).toHaveLength(3);
      for (const item of shared.body.items)
        expect(item.redisclosureNotice).toBe(REDISCLOSURE_NOTICE_42_CFR_2_32);
      const sharedOne = await t.http
        .get(`/api/v1/attendance/${own.body.items[0].id}`)
        .auth(w.shelterUser.token, bearer)
        .expect(200);
      expect(sharedOne.body.redisclosureNotice).toBe(REDISCLOSURE_NOTICE_42_CFR_2_32);

      // Machine clients read with enrollments:read, scoped to their agency the same way.
      const clinicReader = await givenClient(t, w.admin, {
        agencyId: w.clinic.id,
        scopes: ['enrollments:read'],
      });
      expect((await list(clinicReader.token).expect(200)).body.items).toHaveLength(3);
      const schoolReader = await givenClient(t, w.admin, {
        agencyId: w.school.id,
        scopes: ['enrollments:read'],
      });
      await list(schoolReader.token).expect(404);

      const audited = await sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM audit_events WHERE action = 'attendance.read' AND subject_id = $1`,
        [milestone.id],
      );
      expect(audited[0].n).toBeGreaterThanOrEqual(4);
    });

    it('gives no notice for other categories, and pages by (sessionDate, id) without gaps or repeats', async () => {
      const { enrollment, milestone } = await givenEnrollmentStartedDaysAgo(10);
      for (let i = 0; i < 7; i++) {
        await recordAttendance(t, w.clinicUser.token, milestone.id, {
          sessionDate: day(-(i % 4)),
        }).expect(201);
      }
      const seen: { id: string; sessionDate: string; redisclosureNotice?: string }[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: { body: { items: typeof seen; nextCursor: string | null } } = await t.http
          .get(`/api/v1/milestones/${milestone.id}/attendance`)
          .query(cursor ? { limit: 3, cursor } : { limit: 3 })
          .auth(w.coordinator.token, bearer)
          .expect(200);
        seen.push(...res.body.items);
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor && pages < 10);
      expect(pages).toBe(3);
      expect(new Set(seen.map((r) => r.id)).size).toBe(7);
      const keys = seen.map((r) => `${r.sessionDate} ${r.id}`);
      expect(keys).toEqual([...keys].sort());
      expect(seen.every((r) => r.redisclosureNotice === undefined)).toBe(true);
      expect(enrollment.id).toBeDefined();

      await t.http
        .get(`/api/v1/milestones/${milestone.id}/attendance`)
        .query({ cursor: 'garbage' })
        .auth(w.coordinator.token, bearer)
        .expect(400);
    });
  });

  it('lets any provider user of the delivering agency write', async () => {
    const second = await givenUser(t, w.admin, { role: 'provider', agencyId: w.clinic.id });
    const { milestone } = await givenPlan();
    await recordAttendance(t, second.token, milestone.id).expect(201);
  });
});
