/**
 * Corrections with history (PRODUCT.md Additions, "Mistakes happen"): a participant's
 * details, the service plan (provider, requirement, removal) and attendance (void) are
 * corrected with If-Match and a reason; every correction is an audit entry and an event, and
 * nothing is erased. A registration warns of a possible duplicate in the caller's own agency.
 */
import { DataSource } from 'typeorm';
import { givenAgency, givenUser, GivenUser } from './support/factories';
import { actingAs, expectProblem } from './support/http';
import { startTestApp, TestApp } from './support/test-app';
import {
  dateOfBirthForAge,
  givenActiveEnrollment,
  givenEnrollmentPendingReview,
  givenMilestone,
  givenOtherCoordinator,
  givenParticipant,
  givenWorld,
  recordAttendance,
  World,
} from './support/workflow';

describe('corrections with history', () => {
  let t: TestApp;
  let w: World;
  let db: DataSource;
  let otherCoordinator: GivenUser;
  let secondClinicUser: GivenUser;
  let secondClinicId: string;

  beforeAll(async () => {
    t = await startTestApp();
    w = await givenWorld(t);
    db = t.app.get(DataSource);
    otherCoordinator = await givenOtherCoordinator(t, w);
    secondClinicId = (
      await givenAgency(t, w.admin, { kind: 'service_provider', services: ['mental_health'] })
    ).id;
    secondClinicUser = await givenUser(t, w.admin, { role: 'provider', agencyId: secondClinicId });
  });
  afterAll(() => t.close());

  const as = (token: string) => actingAs(t, token);
  const bearer = { type: 'bearer' as const };
  const patch = (token: string, url: string, body: object, ifMatch?: string) => {
    const req = t.http.patch(url).auth(token, bearer);
    if (ifMatch !== undefined) void req.set('If-Match', ifMatch);
    return req.send(body);
  };

  async function eventsOf(type: string, key: string, id: string) {
    return (
      await db.query(
        `SELECT data FROM outbox_events WHERE type = $1 AND data->>$2 = $3 ORDER BY position`,
        [type, key, id],
      )
    ).map((row: { data: Record<string, unknown> }) => row.data);
  }

  async function auditActions(subjectId: string): Promise<string[]> {
    return (
      await db.query(
        `SELECT action FROM audit_events WHERE subject_id = $1 AND outcome = 'success' ORDER BY position`,
        [subjectId],
      )
    ).map((row: { action: string }) => row.action);
  }

  describe('PATCH /participants/:id', () => {
    it('corrects details with If-Match: new ETag, correction log, audit entry, event without values', async () => {
      const p = await givenParticipant(t, w.coordinator.token, { lastName: 'Lopes' });
      const url = `/api/v1/participants/${p.id}`;
      const read = await as(w.coordinator.token).get(url).expect(200);
      expect(read.headers.etag).toBe('"1"');

      expectProblem(
        await patch(w.coordinator.token, url, { lastName: 'Lopez' }),
        428,
        'precondition-required',
      );
      expectProblem(
        await patch(w.coordinator.token, url, { lastName: 'Lopez' }, '"9"'),
        412,
        'precondition-failed',
      );
      const res = await patch(
        w.coordinator.token,
        url,
        { lastName: 'Lopez', preferredLanguage: 'es', reason: 'Misspelt at intake' },
        read.headers.etag,
      ).expect(200);
      expect(res.body).toMatchObject({ id: p.id, caseNumber: p.caseNumber, lastName: 'Lopez' });
      expect(res.headers.etag).toBe('"2"');
      const again = await as(w.coordinator.token).get(url).expect(200);
      expect(again.body).toMatchObject({ lastName: 'Lopez', preferredLanguage: 'es' });
      expect(again.headers.etag).toBe('"2"');
      // The old tag is stale now.
      expectProblem(
        await patch(w.coordinator.token, url, { lastName: 'X' }, '"1"'),
        412,
        'precondition-failed',
      );

      const found = await as(w.coordinator.token).get(
        `/api/v1/participants?search=${encodeURIComponent('Lopez')}&limit=500`,
      );
      expect(found.body.items.map((i: { id: string }) => i.id)).toContain(p.id);

      const log = await db.query(
        `SELECT fields, reason FROM participant_corrections WHERE participant_id = $1`,
        [p.id],
      );
      expect(log).toEqual([
        { fields: ['lastName', 'preferredLanguage'], reason: 'Misspelt at intake' },
      ]);
      expect(await eventsOf('participant.corrected', 'participantId', p.id)).toEqual([
        { participantId: p.id, fields: 'lastName,preferredLanguage', version: 2 },
      ]);
      expect(await auditActions(p.id)).toContain('participant.corrected');
    });

    it('never changes the case number (400) and changes nothing', async () => {
      const p = await givenParticipant(t, w.coordinator.token);
      const url = `/api/v1/participants/${p.id}`;
      const res = await patch(
        w.coordinator.token,
        url,
        { caseNumber: 'FS-2000-000001', firstName: 'Ana' },
        '"1"',
      );
      expectProblem(res, 400, 'validation-failed');
      expect(res.body.errors).toEqual([
        { field: 'caseNumber', message: expect.stringContaining('cannot be changed') },
      ]);
      const after = await as(w.coordinator.token).get(url).expect(200);
      expect(after.body).toMatchObject({ caseNumber: p.caseNumber, firstName: 'Maria' });
      expect(after.headers.etag).toBe('"1"');
    });

    it('keeps the participant a minor at referral (422), refuses a future date (400), null names (400)', async () => {
      const p = await givenParticipant(t, w.coordinator.token);
      const url = `/api/v1/participants/${p.id}`;
      expectProblem(
        await patch(w.coordinator.token, url, { dateOfBirth: dateOfBirthForAge(19) }, '"1"'),
        422,
        'participant-not-minor',
      );
      const tomorrow = new Date(Date.now() + 2 * 86400_000).toISOString().slice(0, 10);
      expectProblem(
        await patch(w.coordinator.token, url, { dateOfBirth: tomorrow }, '"1"'),
        400,
        'validation-failed',
      );
      expectProblem(
        await patch(w.coordinator.token, url, { firstName: null }, '"1"'),
        400,
        'validation-failed',
      );
      const ok = await patch(
        w.coordinator.token,
        url,
        { dateOfBirth: dateOfBirthForAge(16) },
        '"1"',
      ).expect(200);
      expect(ok.body.dateOfBirth).toBe(dateOfBirthForAge(16));
    });

    it('lets only the registering agency correct: another agency 404, a provider 403', async () => {
      const p = await givenParticipant(t, w.coordinator.token);
      const url = `/api/v1/participants/${p.id}`;
      expectProblem(
        await patch(otherCoordinator.token, url, { firstName: 'Eva' }, '"1"'),
        404,
        'not-found',
      );
      await patch(w.clinicUser.token, url, { firstName: 'Eva' }, '"1"').expect(403);
      const after = await as(w.coordinator.token).get(url).expect(200);
      expect(after.body.firstName).toBe('Maria');
    });
  });

  describe('possible duplicates at registration', () => {
    it('warns of the same name and date of birth in the caller’s agency (accents and case aside)', async () => {
      const dateOfBirth = dateOfBirthForAge(14);
      const first = await givenParticipant(t, w.coordinator.token, {
        firstName: 'Lucía',
        lastName: 'Ramírez',
        dateOfBirth,
      });
      const res = await as(w.coordinator.token)
        .post('/api/v1/participants', { firstName: 'lucia', lastName: 'RAMIREZ', dateOfBirth })
        .expect(201);
      expect(res.body.possibleDuplicates).toEqual([{ id: first.id, caseNumber: first.caseNumber }]);
      // Another date of birth is another person.
      const other = await as(w.coordinator.token)
        .post('/api/v1/participants', {
          firstName: 'Lucía',
          lastName: 'Ramírez',
          dateOfBirth: dateOfBirthForAge(13),
        })
        .expect(201);
      expect(other.body.possibleDuplicates).toEqual([]);
    });

    it('never warns across agencies: another agency’s registration is not disclosed', async () => {
      const dateOfBirth = dateOfBirthForAge(15);
      await givenParticipant(t, w.coordinator.token, {
        firstName: 'Inés',
        lastName: 'Duarte',
        dateOfBirth,
      });
      const res = await as(otherCoordinator.token)
        .post('/api/v1/participants', { firstName: 'Inés', lastName: 'Duarte', dateOfBirth })
        .expect(201);
      expect(res.body.possibleDuplicates).toEqual([]);
    });
  });

  describe('PATCH /milestones/:id', () => {
    async function givenPlan(required: number, attended: number) {
      const { enrollment } = await givenActiveEnrollment(t, w);
      const milestone = await givenMilestone(t, w, enrollment.id, {
        category: 'mental_health',
        providerAgencyId: w.clinic.id,
        requiredSessions: required,
      });
      for (let i = 0; i < attended; i++) {
        await recordAttendance(t, w.clinicUser.token, milestone.id).expect(201);
      }
      const read = await as(w.coordinator.token).get(`/api/v1/milestones/${milestone.id}`);
      return { enrollment, milestone, etag: read.headers.etag };
    }

    it('lowers the requirement with a reason: progress recomputed, met, events, history', async () => {
      const { enrollment, milestone, etag } = await givenPlan(3, 1);
      const url = `/api/v1/milestones/${milestone.id}`;
      const enrollmentBefore = await as(w.coordinator.token).get(
        `/api/v1/enrollments/${enrollment.id}`,
      );
      expectProblem(
        await patch(w.coordinator.token, url, { requiredSessions: 1, reason: 'x' }),
        428,
        'precondition-required',
      );
      expectProblem(
        await patch(w.coordinator.token, url, { requiredSessions: 1 }, etag),
        400,
        'validation-failed',
      );
      expectProblem(
        await patch(w.coordinator.token, url, { reason: 'nothing' }, etag),
        400,
        'validation-failed',
      );
      const res = await patch(
        w.coordinator.token,
        url,
        { requiredSessions: 1, reason: 'Court agreed to one assessment session' },
        etag,
      ).expect(200);
      expect(res.body).toMatchObject({
        requiredSessions: 1,
        attendedSessions: 1,
        status: 'met',
        metAt: expect.any(String),
      });
      expect(res.headers.etag).not.toBe(etag);

      const view = await as(w.coordinator.token).get(`/api/v1/enrollments/${enrollment.id}`);
      expect(view.headers.etag).not.toBe(enrollmentBefore.headers.etag);
      expect(view.body.planChanges).toEqual([
        {
          milestoneId: milestone.id,
          kind: 'corrected',
          category: 'mental_health',
          before: { providerAgencyId: w.clinic.id, requiredSessions: 3 },
          after: { providerAgencyId: w.clinic.id, requiredSessions: 1 },
          reason: 'Court agreed to one assessment session',
          changedBy: w.coordinator.id,
          changedAt: expect.any(String),
        },
      ]);
      // Case workers only: the provider sees the plan, not its history.
      const provider = await as(w.clinicUser.token).get(`/api/v1/enrollments/${enrollment.id}`);
      expect(provider.body.planChanges).toEqual([]);

      expect(await eventsOf('milestone.corrected', 'milestoneId', milestone.id)).toEqual([
        expect.objectContaining({
          requiredSessions: 1,
          previousRequiredSessions: 3,
          status: 'met',
        }),
      ]);
      expect(await eventsOf('milestone.met', 'milestoneId', milestone.id)).toHaveLength(1);
      expect(await auditActions(milestone.id)).toContain('milestone.corrected');

      // Raising it again un-meets it.
      const raised = await patch(
        w.coordinator.token,
        url,
        { requiredSessions: 2, reason: 'Assessment and one follow-up' },
        res.headers.etag,
      ).expect(200);
      expect(raised.body).toMatchObject({ status: 'in_progress', metAt: null });
    });

    it('moves the milestone to another provider that offers the service; the old one loses write access', async () => {
      const { milestone, etag } = await givenPlan(4, 1);
      const url = `/api/v1/milestones/${milestone.id}`;
      expectProblem(
        await patch(
          w.coordinator.token,
          url,
          { providerAgencyId: w.shelter.id, reason: 'x' },
          etag,
        ),
        422,
        'milestone-provider-lacks-service',
      );
      await patch(
        w.coordinator.token,
        url,
        { providerAgencyId: secondClinicId, reason: 'The first clinic closed its evening group' },
        etag,
      ).expect(200);
      await recordAttendance(t, secondClinicUser.token, milestone.id).expect(201);
      await recordAttendance(t, w.clinicUser.token, milestone.id).expect(404);
      const read = await as(w.coordinator.token).get(url).expect(200);
      expect(read.body).toMatchObject({ providerAgencyId: secondClinicId, attendedSessions: 2 });
    });

    it('refuses once the plan is closed (409)', async () => {
      const { milestone } = await givenEnrollmentPendingReview(t, w);
      const url = `/api/v1/milestones/${milestone.id}`;
      const read = await as(w.coordinator.token).get(url);
      expectProblem(
        await patch(
          w.coordinator.token,
          url,
          { requiredSessions: 5, reason: 'x' },
          read.headers.etag,
        ),
        409,
        'milestone-plan-closed',
      );
    });
  });

  describe('DELETE /milestones/:id', () => {
    const remove = (token: string, id: string, reason?: string) =>
      t.http
        .delete(`/api/v1/milestones/${id}${reason ? `?reason=${encodeURIComponent(reason)}` : ''}`)
        .auth(token, bearer);

    it('removes a milestone without attendance, keeping the removal and its reason in the history', async () => {
      const { enrollment } = await givenActiveEnrollment(t, w);
      const milestone = await givenMilestone(t, w, enrollment.id, {
        category: 'education',
        providerAgencyId: w.school.id,
        requiredSessions: 5,
      });
      expectProblem(await remove(w.coordinator.token, milestone.id), 400, 'validation-failed');
      await remove(w.coordinator.token, milestone.id, 'Added by mistake').expect(204);
      await as(w.coordinator.token).get(`/api/v1/milestones/${milestone.id}`).expect(404);
      const view = await as(w.coordinator.token).get(`/api/v1/enrollments/${enrollment.id}`);
      expect(view.body.milestones).toEqual([]);
      expect(view.body.planChanges).toEqual([
        expect.objectContaining({
          milestoneId: milestone.id,
          kind: 'removed',
          category: 'education',
          before: { providerAgencyId: w.school.id, requiredSessions: 5 },
          after: null,
          reason: 'Added by mistake',
        }),
      ]);
      expect(await eventsOf('milestone.removed', 'milestoneId', milestone.id)).toEqual([
        { milestoneId: milestone.id, enrollmentId: enrollment.id, category: 'education' },
      ]);
      expect(await auditActions(milestone.id)).toContain('milestone.removed');
    });

    it('refuses a milestone with any attendance, even absent (409), and changes nothing', async () => {
      const { enrollment } = await givenActiveEnrollment(t, w);
      const milestone = await givenMilestone(t, w, enrollment.id, {
        category: 'mental_health',
        providerAgencyId: w.clinic.id,
        requiredSessions: 5,
      });
      await recordAttendance(t, w.clinicUser.token, milestone.id, { status: 'absent' }).expect(201);
      const before = await as(w.coordinator.token).get(`/api/v1/enrollments/${enrollment.id}`);
      const res = await remove(w.coordinator.token, milestone.id, 'Wrong provider');
      expectProblem(res, 409, 'milestone-has-attendance');
      const after = await as(w.coordinator.token).get(`/api/v1/enrollments/${enrollment.id}`);
      expect(after.headers.etag).toBe(before.headers.etag);
      expect(after.body.milestones).toHaveLength(1);
      expect(after.body.planChanges).toEqual([]);
      expect(await eventsOf('milestone.removed', 'milestoneId', milestone.id)).toEqual([]);
    });
  });

  describe('POST /attendance/:id/void', () => {
    const voidRecord = (token: string, id: string, body: object, ifMatch?: string) =>
      as(token).post(`/api/v1/attendance/${id}/void`, body, ifMatch ? { 'If-Match': ifMatch } : {});

    it('voids a record: it no longer counts, stays in the history, and is an event and an audit entry', async () => {
      const { enrollment } = await givenActiveEnrollment(t, w);
      const milestone = await givenMilestone(t, w, enrollment.id, {
        category: 'mental_health',
        providerAgencyId: w.clinic.id,
        requiredSessions: 1,
      });
      const recorded = await recordAttendance(t, w.clinicUser.token, milestone.id).expect(201);
      const id = recorded.body.id as string;
      const met = await as(w.coordinator.token).get(`/api/v1/milestones/${milestone.id}`);
      expect(met.body).toMatchObject({ attendedSessions: 1, status: 'met' });

      expectProblem(await voidRecord(w.clinicUser.token, id, {}), 400, 'validation-failed');
      expectProblem(
        await voidRecord(w.clinicUser.token, id, { reason: 'x' }, '"9"'),
        412,
        'precondition-failed',
      );
      expectProblem(
        await voidRecord(secondClinicUser.token, id, { reason: 'x' }),
        404,
        'not-found',
      );
      const res = await voidRecord(
        w.clinicUser.token,
        id,
        { reason: 'Recorded for the wrong minor' },
        '"1"',
      ).expect(200);
      expect(res.body).toMatchObject({
        id,
        voided: true,
        voidReason: 'Recorded for the wrong minor',
        voidedBy: w.clinicUser.id,
        voidedAt: expect.any(String),
      });
      expect(res.headers.etag).toBe('"2"');

      const after = await as(w.coordinator.token).get(`/api/v1/milestones/${milestone.id}`);
      expect(after.body).toMatchObject({ attendedSessions: 0, status: 'not_started', metAt: null });
      const view = await as(w.coordinator.token).get(`/api/v1/enrollments/${enrollment.id}`);
      expect(view.body.firstServiceAt).toBeNull();

      const history = await as(w.coordinator.token)
        .get(`/api/v1/milestones/${milestone.id}/attendance`)
        .expect(200);
      expect(history.body.items).toEqual([
        expect.objectContaining({ id, voided: true, voidReason: 'Recorded for the wrong minor' }),
      ]);
      expect(await eventsOf('attendance.voided', 'attendanceId', id)).toEqual([
        expect.objectContaining({ milestoneId: milestone.id, enrollmentId: enrollment.id }),
      ]);
      expect(await auditActions(id)).toContain('attendance.voided');

      expectProblem(
        await voidRecord(w.clinicUser.token, id, { reason: 'again' }),
        409,
        'attendance-voided',
      );
      expectProblem(
        await patch(w.clinicUser.token, `/api/v1/attendance/${id}`, { status: 'absent' }, '"2"'),
        409,
        'attendance-voided',
      );
      // The submission sees the void: the plan is no longer met.
      expectProblem(
        await as(w.coordinator.token).post(
          `/api/v1/enrollments/${enrollment.id}/submit-for-review`,
          { courtAgencyId: w.court.id },
        ),
        409,
        'enrollment-plan-incomplete',
      );
    });

    it('is the provider’s: coordinators are refused (403)', async () => {
      const { enrollment } = await givenActiveEnrollment(t, w);
      const milestone = await givenMilestone(t, w, enrollment.id, {
        category: 'mental_health',
        providerAgencyId: w.clinic.id,
        requiredSessions: 2,
      });
      const recorded = await recordAttendance(t, w.clinicUser.token, milestone.id).expect(201);
      await voidRecord(w.coordinator.token, recorded.body.id, { reason: 'x' }).expect(403);
    });
  });
});
