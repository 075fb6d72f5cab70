import type { Response } from 'supertest';
import { DataSource } from 'typeorm';
import { addDays } from '../src/enrollments/domain/program-period';
import { givenAgency, givenUser } from './support/factories';
import { UNKNOWN_ID, actingAs, expectProblem } from './support/http';
import { startTestApp, TestApp } from './support/test-app';
import {
  givenActiveEnrollment,
  givenArrestRecord,
  givenClient,
  givenEnrollment,
  givenEnrollmentPendingReview,
  givenMilestone,
  givenOtherCoordinator,
  givenParticipant,
  givenWorld,
  recordConsent,
  World,
} from './support/workflow';

const today = () => new Date().toISOString().slice(0, 10);

describe('enrollments', () => {
  let t: TestApp;
  let w: World;
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp();
    w = await givenWorld(t);
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  const as = (token: string) => actingAs(t, token);
  const url = (id: string, action = '') => `/api/v1/enrollments/${id}${action ? `/${action}` : ''}`;

  async function stored(enrollmentId: string) {
    const [row] = await db.query(
      `SELECT status, version, scheduled_end_date, ended_at, end_reason, activated_at, submitted_for_review_at
         FROM enrollments WHERE id = $1`,
      [enrollmentId],
    );
    const [{ extensions }] = await db.query(
      `SELECT count(*)::int AS extensions FROM enrollment_extensions WHERE enrollment_id = $1`,
      [enrollmentId],
    );
    const [{ consents }] = await db.query(
      `SELECT count(*)::int AS consents FROM consents WHERE enrollment_id = $1`,
      [enrollmentId],
    );
    const [{ milestones }] = await db.query(
      `SELECT count(*)::int AS milestones FROM milestones WHERE enrollment_id = $1`,
      [enrollmentId],
    );
    return { ...row, extensions, consents, milestones };
  }

  async function eventsOf(enrollmentId: string) {
    return db.query<{ type: string; data: Record<string, unknown> }[]>(
      `SELECT type, data FROM outbox_events WHERE enrollment_id = $1 ORDER BY position`,
      [enrollmentId],
    );
  }

  /** Marks every milestone of the enrollment met (attendance is another module's job). */
  const meetAllMilestones = (enrollmentId: string) =>
    db.query(
      `UPDATE milestones SET attended_sessions = required_sessions WHERE enrollment_id = $1`,
      [enrollmentId],
    );

  async function givenReadyForReview() {
    const created = await givenActiveEnrollment(t, w);
    await givenMilestone(t, w, created.enrollment.id, {
      category: 'mental_health',
      providerAgencyId: w.clinic.id,
      requiredSessions: 2,
    });
    await meetAllMilestones(created.enrollment.id);
    return created;
  }

  describe('creation', () => {
    it('opens a pending enrollment ending after the program length, owned by the coordinator agency', async () => {
      const participant = await givenParticipant(t, w.coordinator.token);
      const arrest = await givenArrestRecord(t, w.coordinator.token, participant.id, w.police.id);
      const res = await as(w.coordinator.token)
        .post('/api/v1/enrollments', {
          participantId: participant.id,
          arrestRecordId: arrest.id,
          site: 'Compton',
          startDate: '2026-03-02',
        })
        .expect(201);
      expect(res.body).toEqual({
        id: expect.any(String),
        participantId: participant.id,
        arrestRecordId: arrest.id,
        programId: expect.any(String),
        ownerAgencyId: w.da.id,
        site: 'Compton',
        status: 'pending_consent',
        startDate: '2026-03-02',
        scheduledEndDate: '2026-05-11',
        extensions: [],
        milestones: [],
        consents: [],
        activatedAt: null,
        firstServiceAt: null,
        connectedWithin24h: null,
        submittedForReviewAt: null,
        completedAt: null,
        endedAt: null,
        endReason: null,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(res.headers.etag).toBe('"1"');

      const events = await eventsOf(res.body.id);
      expect(events).toEqual([
        {
          type: 'enrollment.created',
          data: {
            enrollmentId: res.body.id,
            participantId: participant.id,
            status: 'pending_consent',
            startDate: '2026-03-02',
            scheduledEndDate: '2026-05-11',
          },
        },
      ]);
      const [audit] = await db.query(
        `SELECT actor_id FROM audit_events WHERE action = 'enrollment.created' AND subject_id = $1`,
        [res.body.id],
      );
      expect(audit.actor_id).toBe(w.coordinator.id);
    });

    it('computes the end from the program length setting', async () => {
      await db.query(`UPDATE programs SET length_days = 90 WHERE code = 'first-step'`);
      try {
        const { enrollment } = await givenEnrollment(t, w, { startDate: '2026-01-01' });
        expect(enrollment.scheduledEndDate).toBe('2026-04-01');
      } finally {
        await db.query(`UPDATE programs SET length_days = 70 WHERE code = 'first-step'`);
      }
      const { enrollment } = await givenEnrollment(t, w);
      expect(enrollment.scheduledEndDate).toBe(addDays(today(), 70));
    });

    it('validates the body field by field', async () => {
      const res = await as(w.coordinator.token)
        .post('/api/v1/enrollments', {
          participantId: 'nope',
          arrestRecordId: UNKNOWN_ID,
          site: '  ',
          startDate: '2026-02-30',
          extra: true,
        })
        .expect(400);
      const fields = (res.body.errors as { field: string }[]).map((e) => e.field).sort();
      expect(fields).toEqual(['extra', 'participantId', 'site', 'startDate']);
    });

    it('allows one open enrollment per arrest record, and a new one after it ends', async () => {
      const { participant, arrest, enrollment } = await givenEnrollment(t, w);
      const body = {
        participantId: participant.id,
        arrestRecordId: arrest.id,
        site: 'Compton',
        startDate: today(),
      };
      const dup = await as(w.coordinator.token).post('/api/v1/enrollments', body);
      expectProblem(dup, 409, 'enrollment-already-open');
      const [{ count }] = await db.query(
        `SELECT count(*)::int AS count FROM enrollments WHERE arrest_record_id = $1`,
        [arrest.id],
      );
      expect(count).toBe(1);

      await as(w.coordinator.token)
        .post(url(enrollment.id, 'withdraw'), { reason: 'Moved away' })
        .expect(200);
      const again = await as(w.coordinator.token).post('/api/v1/enrollments', body).expect(201);
      expect(again.body.status).toBe('pending_consent');
      // ...and again only one may be open.
      expectProblem(
        await as(w.coordinator.token).post('/api/v1/enrollments', body),
        409,
        'enrollment-already-open',
      );
    });

    it('opens exactly one enrollment when the same arrest record is enrolled concurrently', async () => {
      const participant = await givenParticipant(t, w.coordinator.token);
      const arrest = await givenArrestRecord(t, w.coordinator.token, participant.id, w.police.id);
      const body = {
        participantId: participant.id,
        arrestRecordId: arrest.id,
        site: 'Compton',
        startDate: today(),
      };
      const results = await Promise.all(
        Array.from({ length: 5 }, () => as(w.coordinator.token).post('/api/v1/enrollments', body)),
      );
      expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
    });

    it('refuses an arrest record of another participant (422) and writes nothing', async () => {
      const maria = await givenParticipant(t, w.coordinator.token);
      const ana = await givenParticipant(t, w.coordinator.token, { firstName: 'Ana' });
      const anasArrest = await givenArrestRecord(t, w.coordinator.token, ana.id, w.police.id);
      const res = await as(w.coordinator.token).post('/api/v1/enrollments', {
        participantId: maria.id,
        arrestRecordId: anasArrest.id,
        site: 'Compton',
        startDate: today(),
      });
      expectProblem(res, 422, 'enrollment-arrest-record-mismatch');
      const [{ count }] = await db.query(
        `SELECT count(*)::int AS count FROM enrollments WHERE participant_id IN ($1, $2)`,
        [maria.id, ana.id],
      );
      expect(count).toBe(0);
    });

    it('answers 404 for unknown, sealed or out-of-scope participants and arrest records', async () => {
      const other = await givenOtherCoordinator(t, w);
      const participant = await givenParticipant(t, w.coordinator.token);
      const arrest = await givenArrestRecord(t, w.coordinator.token, participant.id, w.police.id);
      const body = {
        participantId: participant.id,
        arrestRecordId: arrest.id,
        site: 'Compton',
        startDate: today(),
      };

      expectProblem(await as(other.token).post('/api/v1/enrollments', body), 404, 'not-found');
      expectProblem(
        await as(w.coordinator.token).post('/api/v1/enrollments', {
          ...body,
          participantId: UNKNOWN_ID,
        }),
        404,
        'not-found',
      );
      const unknownArrest = await as(w.coordinator.token).post('/api/v1/enrollments', {
        ...body,
        arrestRecordId: UNKNOWN_ID,
      });
      expectProblem(unknownArrest, 404, 'not-found');

      await db.query(
        `UPDATE arrest_records SET status = 'sealed', sealed_at = now() WHERE id = $1`,
        [arrest.id],
      );
      const sealed = await as(w.coordinator.token).post('/api/v1/enrollments', body);
      expectProblem(sealed, 404, 'not-found');
      const strip = (b: Record<string, unknown>) => ({
        ...b,
        instance: undefined,
        requestId: undefined,
      });
      expect(strip(sealed.body)).toEqual(strip(unknownArrest.body));
      const [{ count }] = await db.query(
        `SELECT count(*)::int AS count FROM enrollments WHERE participant_id = $1`,
        [participant.id],
      );
      expect(count).toBe(0);
    });

    it('accepts only the program sites when the program lists them', async () => {
      await db.query(
        `UPDATE programs SET sites = '{Compton,Long Beach}' WHERE code = 'first-step'`,
      );
      try {
        const participant = await givenParticipant(t, w.coordinator.token);
        const arrest = await givenArrestRecord(t, w.coordinator.token, participant.id, w.police.id);
        const body = {
          participantId: participant.id,
          arrestRecordId: arrest.id,
          startDate: today(),
        };
        expectProblem(
          await as(w.coordinator.token).post('/api/v1/enrollments', { ...body, site: 'Nowhere' }),
          422,
          'program-site-unknown',
        );
        await as(w.coordinator.token)
          .post('/api/v1/enrollments', { ...body, site: 'Long Beach' })
          .expect(201);
      } finally {
        await db.query(`UPDATE programs SET sites = '{}' WHERE code = 'first-step'`);
      }
    });

    it('is closed to providers, court and auditors (403)', async () => {
      const participant = await givenParticipant(t, w.coordinator.token);
      const arrest = await givenArrestRecord(t, w.coordinator.token, participant.id, w.police.id);
      const body = {
        participantId: participant.id,
        arrestRecordId: arrest.id,
        site: 'Compton',
        startDate: today(),
      };
      for (const token of [w.clinicUser.token, w.clerk.token]) {
        expectProblem(await as(token).post('/api/v1/enrollments', body), 403, 'forbidden');
      }
    });
  });

  describe('consent', () => {
    it('activates the enrollment with the participation consent', async () => {
      const { enrollment, participant } = await givenEnrollment(t, w);
      const signedAt = new Date(Date.now() - 60_000).toISOString();
      const res = await as(w.coordinator.token)
        .post(url(enrollment.id, 'consents'), {
          kind: 'participation',
          signedBy: 'Maria Lopez',
          signedAt,
        })
        .expect(201);
      expect(res.body).toEqual({
        id: expect.any(String),
        enrollmentId: enrollment.id,
        kind: 'participation',
        signedBy: 'Maria Lopez',
        signedAt,
        serviceCategory: null,
        recipientAgencyId: null,
        expiresAt: null,
        revokedAt: null,
        revokeReason: null,
        createdAt: expect.any(String),
      });

      const view = await as(w.coordinator.token).get(url(enrollment.id)).expect(200);
      expect(view.body.status).toBe('active');
      expect(view.body.activatedAt).toEqual(expect.any(String));
      expect(view.body.consents).toEqual([
        {
          id: res.body.id,
          kind: 'participation',
          signedAt,
          signedBy: 'Maria Lopez',
          serviceCategory: null,
          recipientAgencyId: null,
          expiresAt: null,
          revoked: false,
          revokedAt: null,
        },
      ]);
      const events = await eventsOf(enrollment.id);
      expect(events.map((e) => e.type)).toEqual([
        'enrollment.created',
        'enrollment.activated',
        'enrollment.status_changed',
      ]);
      expect(events[1].data).toMatchObject({
        enrollmentId: enrollment.id,
        participantId: participant.id,
      });
      expect(events[2].data).toMatchObject({
        enrollmentId: enrollment.id,
        from: 'pending_consent',
        to: 'active',
      });
    });

    it('needs the guardian consent as well when the program requires it', async () => {
      await db.query(
        `UPDATE programs SET guardian_consent_required = true WHERE code = 'first-step'`,
      );
      try {
        const { enrollment } = await givenEnrollment(t, w);
        await recordConsent(t, w.coordinator.token, enrollment.id);
        expect((await stored(enrollment.id)).status).toBe('pending_consent');
        await recordConsent(t, w.coordinator.token, enrollment.id, {
          kind: 'guardian',
          signedBy: 'Rosa Lopez',
        });
        expect((await stored(enrollment.id)).status).toBe('active');

        // The other order works too.
        const second = await givenEnrollment(t, w);
        await recordConsent(t, w.coordinator.token, second.enrollment.id, {
          kind: 'guardian',
          signedBy: 'Rosa',
        });
        expect((await stored(second.enrollment.id)).status).toBe('pending_consent');
        await recordConsent(t, w.coordinator.token, second.enrollment.id);
        expect((await stored(second.enrollment.id)).status).toBe('active');
      } finally {
        await db.query(
          `UPDATE programs SET guardian_consent_required = false WHERE code = 'first-step'`,
        );
      }
    });

    it('does not activate on guardian or information-sharing consents alone', async () => {
      const { enrollment } = await givenEnrollment(t, w);
      await recordConsent(t, w.coordinator.token, enrollment.id, {
        kind: 'guardian',
        signedBy: 'Rosa Lopez',
      });
      await recordConsent(t, w.coordinator.token, enrollment.id, {
        kind: 'information_sharing',
        serviceCategory: 'mental_health',
        recipientAgencyId: w.shelter.id,
      });
      expect((await stored(enrollment.id)).status).toBe('pending_consent');
    });

    it('records an information-sharing consent with service, recipient and expiry', async () => {
      const { enrollment } = await givenActiveEnrollment(t, w);
      const expiresAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
      const res = await as(w.coordinator.token)
        .post(url(enrollment.id, 'consents'), {
          kind: 'information_sharing',
          signedBy: 'Maria Lopez',
          signedAt: new Date().toISOString(),
          serviceCategory: 'substance_abuse',
          recipientAgencyId: w.shelter.id,
          expiresAt,
        })
        .expect(201);
      expect(res.body).toMatchObject({
        kind: 'information_sharing',
        serviceCategory: 'substance_abuse',
        recipientAgencyId: w.shelter.id,
        expiresAt,
        revokedAt: null,
      });
    });

    it('rejects incomplete or misplaced information-sharing fields (400) and writes nothing', async () => {
      const { enrollment } = await givenEnrollment(t, w);
      const signedAt = new Date().toISOString();
      const missing = await as(w.coordinator.token).post(url(enrollment.id, 'consents'), {
        kind: 'information_sharing',
        signedBy: 'Maria Lopez',
        signedAt,
      });
      expectProblem(missing, 400, 'validation-failed');
      expect((missing.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual([
        'recipientAgencyId',
        'serviceCategory',
      ]);

      const misplaced = await as(w.coordinator.token).post(url(enrollment.id, 'consents'), {
        kind: 'participation',
        signedBy: 'Maria Lopez',
        signedAt,
        serviceCategory: 'mental_health',
      });
      expectProblem(misplaced, 400, 'validation-failed');
      expect(misplaced.body.errors).toEqual([
        { field: 'serviceCategory', message: expect.any(String) },
      ]);

      const localTime = await as(w.coordinator.token).post(url(enrollment.id, 'consents'), {
        kind: 'participation',
        signedBy: 'Maria Lopez',
        signedAt: '2026-01-01T10:00:00',
      });
      expectProblem(localTime, 400, 'validation-failed');

      const future = await as(w.coordinator.token).post(url(enrollment.id, 'consents'), {
        kind: 'participation',
        signedBy: 'Maria Lopez',
        signedAt: new Date(Date.now() + 86_400_000).toISOString(),
      });
      expectProblem(future, 400, 'validation-failed');

      const unknownRecipient = await as(w.coordinator.token).post(url(enrollment.id, 'consents'), {
        kind: 'information_sharing',
        signedBy: 'Maria Lopez',
        signedAt,
        serviceCategory: 'mental_health',
        recipientAgencyId: UNKNOWN_ID,
      });
      expectProblem(unknownRecipient, 422, 'consent-recipient-not-found');
      expect(await stored(enrollment.id)).toMatchObject({
        consents: 0,
        status: 'pending_consent',
        version: 1,
      });
    });

    it('withdraws the enrollment when the participation consent is revoked', async () => {
      const { enrollment } = await givenEnrollment(t, w);
      const consent = await recordConsent(t, w.coordinator.token, enrollment.id);
      const res = await as(w.coordinator.token)
        .post(`/api/v1/consents/${consent.id}/revoke`, { reason: 'She wants to stop' })
        .expect(200);
      expect(res.body).toMatchObject({
        id: consent.id,
        kind: 'participation',
        revokedAt: expect.any(String),
        revokeReason: 'She wants to stop',
      });
      const after = await as(w.coordinator.token).get(url(enrollment.id)).expect(200);
      expect(after.body).toMatchObject({
        status: 'withdrawn',
        endedAt: expect.any(String),
        endReason: 'participation consent revoked',
      });
      expect(after.body.consents[0]).toMatchObject({ id: consent.id, revoked: true });
      const events = await eventsOf(enrollment.id);
      expect(events.at(-1)).toEqual({
        type: 'enrollment.status_changed',
        data: { enrollmentId: enrollment.id, from: 'active', to: 'withdrawn', action: 'withdraw' },
      });

      const again = await as(w.coordinator.token).post(`/api/v1/consents/${consent.id}/revoke`, {
        reason: 'again',
      });
      expectProblem(again, 409, 'consent-already-revoked');
    });

    it('keeps the enrollment when an information-sharing consent is revoked', async () => {
      const { enrollment } = await givenActiveEnrollment(t, w);
      const sharing = await recordConsent(t, w.coordinator.token, enrollment.id, {
        kind: 'information_sharing',
        serviceCategory: 'mental_health',
        recipientAgencyId: w.shelter.id,
      });
      await as(w.coordinator.token)
        .post(`/api/v1/consents/${sharing.id}/revoke`, { reason: 'No longer' })
        .expect(200);
      expect((await stored(enrollment.id)).status).toBe('active');
    });

    it('refuses consents on an enrollment that has ended (409) and writes nothing', async () => {
      const { enrollment } = await givenActiveEnrollment(t, w);
      await as(w.coordinator.token)
        .post(url(enrollment.id, 'terminate'), { reason: 'Non-compliance' })
        .expect(200);
      const before = await stored(enrollment.id);
      const res = await as(w.coordinator.token).post(url(enrollment.id, 'consents'), {
        kind: 'participation',
        signedBy: 'Maria Lopez',
        signedAt: new Date().toISOString(),
      });
      expectProblem(res, 409, 'enrollment-not-active');
      expect(await stored(enrollment.id)).toEqual(before);
    });

    it('does not let another agency record or revoke consents (404), nor providers (403)', async () => {
      const other = await givenOtherCoordinator(t, w);
      const { enrollment } = await givenEnrollment(t, w);
      const consent = await recordConsent(t, w.coordinator.token, enrollment.id, {
        kind: 'guardian',
        signedBy: 'Rosa',
      });
      const before = await stored(enrollment.id);
      const body = { kind: 'participation', signedBy: 'X', signedAt: new Date().toISOString() };
      expectProblem(
        await as(other.token).post(url(enrollment.id, 'consents'), body),
        404,
        'not-found',
      );
      expectProblem(
        await as(other.token).post(`/api/v1/consents/${consent.id}/revoke`, { reason: 'x' }),
        404,
        'not-found',
      );
      expectProblem(
        await as(w.coordinator.token).post(`/api/v1/consents/${UNKNOWN_ID}/revoke`, {
          reason: 'x',
        }),
        404,
        'not-found',
      );
      expectProblem(
        await as(w.clinicUser.token).post(url(enrollment.id, 'consents'), body),
        403,
        'forbidden',
      );
      expect(await stored(enrollment.id)).toEqual(before);
      const [row] = await db.query(`SELECT revoked_at FROM consents WHERE id = $1`, [consent.id]);
      expect(row.revoked_at).toBeNull();
    });
  });

  describe('illegal transitions', () => {
    async function expectRefused(
      enrollmentId: string,
      action: string,
      body: object,
      code = 'enrollment-invalid-transition',
    ) {
      const before = await stored(enrollmentId);
      const res = await as(w.coordinator.token).post(url(enrollmentId, action), body);
      expectProblem(res, 409, code);
      expect(await stored(enrollmentId)).toEqual(before);
      return res;
    }

    it('cannot submit for review before consent', async () => {
      const { enrollment } = await givenEnrollment(t, w);
      const res = await expectRefused(enrollment.id, 'submit-for-review', {});
      expect(res.body).toMatchObject({ action: 'submit_for_review', from: 'pending_consent' });
      expect(res.body.detail).toBe(
        'cannot submit for review an enrollment that is pending consent',
      );
    });

    it('cannot submit with an empty plan or an unmet milestone', async () => {
      const { enrollment } = await givenActiveEnrollment(t, w);
      await expectRefused(enrollment.id, 'submit-for-review', {}, 'enrollment-plan-incomplete');
      await givenMilestone(t, w, enrollment.id, {
        category: 'mental_health',
        providerAgencyId: w.clinic.id,
        requiredSessions: 2,
      });
      await givenMilestone(t, w, enrollment.id, {
        category: 'shelter',
        providerAgencyId: w.shelter.id,
        requiredSessions: 3,
      });
      await db.query(
        `UPDATE milestones SET attended_sessions = required_sessions WHERE enrollment_id = $1 AND category = 'mental_health'`,
        [enrollment.id],
      );
      await db.query(
        `UPDATE milestones SET attended_sessions = 2 WHERE enrollment_id = $1 AND category = 'shelter'`,
        [enrollment.id],
      );
      await expectRefused(enrollment.id, 'submit-for-review', {}, 'enrollment-plan-incomplete');
    });

    it('cannot end, extend or submit an enrollment that has ended', async () => {
      const withdrawn = (await givenActiveEnrollment(t, w)).enrollment;
      await as(w.coordinator.token)
        .post(url(withdrawn.id, 'withdraw'), { reason: 'Moved' })
        .expect(200);
      const terminated = (await givenEnrollment(t, w)).enrollment;
      await as(w.coordinator.token)
        .post(url(terminated.id, 'terminate'), { reason: 'Absent' })
        .expect(200);

      for (const id of [withdrawn.id, terminated.id]) {
        await expectRefused(id, 'withdraw', { reason: 'again' });
        await expectRefused(id, 'terminate', { reason: 'again' });
        await expectRefused(id, 'submit-for-review', {});
        const res = await expectRefused(id, 'extend', { days: 7, reason: 'Hospital' });
        expect(res.body.action).toBe('extend');
      }
    });

    it('cannot change a completed enrollment', async () => {
      const { enrollment } = await givenReadyForReview();
      await as(w.coordinator.token).post(url(enrollment.id, 'submit-for-review')).expect(200);
      // Completion is the court's decision (another module); here only its outcome matters.
      await db.query(
        `UPDATE enrollments SET status = 'completed', completed_at = now() WHERE id = $1`,
        [enrollment.id],
      );
      await expectRefused(enrollment.id, 'withdraw', { reason: 'x' });
      await expectRefused(enrollment.id, 'terminate', { reason: 'x' });
      await expectRefused(enrollment.id, 'submit-for-review', {});
      await expectRefused(enrollment.id, 'extend', { days: 1, reason: 'x' });
    });

    it('cannot submit twice', async () => {
      const { enrollment } = await givenReadyForReview();
      await as(w.coordinator.token).post(url(enrollment.id, 'submit-for-review')).expect(200);
      const res = await expectRefused(enrollment.id, 'submit-for-review', {});
      expect(res.body.from).toBe('pending_court_review');
    });
  });

  describe('status changes', () => {
    it('submits a complete plan for court review', async () => {
      const { enrollment } = await givenReadyForReview();
      const res = await as(w.coordinator.token)
        .post(url(enrollment.id, 'submit-for-review'))
        .expect(200);
      expect(res.body).toMatchObject({
        status: 'pending_court_review',
        submittedForReviewAt: expect.any(String),
      });
      expect(res.body.milestones).toEqual([
        expect.objectContaining({ category: 'mental_health', status: 'met' }),
      ]);
      expect((await eventsOf(enrollment.id)).at(-1)).toEqual({
        type: 'enrollment.status_changed',
        data: {
          enrollmentId: enrollment.id,
          from: 'active',
          to: 'pending_court_review',
          action: 'submit_for_review',
        },
      });
    });

    it('submits once attendance recorded by the provider meets the plan', async () => {
      const { enrollment } = await givenEnrollmentPendingReview(t, w);
      const view = await as(w.coordinator.token).get(url(enrollment.id)).expect(200);
      expect(view.body).toMatchObject({
        status: 'pending_court_review',
        milestones: [
          expect.objectContaining({
            category: 'mental_health',
            attendedSessions: 1,
            status: 'met',
          }),
        ],
      });
    });

    it.each([
      ['withdraw', 'withdrawn'],
      ['terminate', 'terminated'],
    ])('can %s from pending consent, active and court review', async (action, to) => {
      const pending = (await givenEnrollment(t, w)).enrollment;
      const active = (await givenActiveEnrollment(t, w)).enrollment;
      const review = (await givenReadyForReview()).enrollment;
      await as(w.coordinator.token).post(url(review.id, 'submit-for-review')).expect(200);
      for (const [enrollment, from] of [
        [pending, 'pending_consent'],
        [active, 'active'],
        [review, 'pending_court_review'],
      ] as const) {
        const res = await as(w.coordinator.token)
          .post(url(enrollment.id, action), { reason: 'The reason' })
          .expect(200);
        expect(res.body).toMatchObject({
          status: to,
          endedAt: expect.any(String),
          endReason: 'The reason',
        });
        expect((await eventsOf(enrollment.id)).at(-1)).toEqual({
          type: 'enrollment.status_changed',
          data: { enrollmentId: enrollment.id, from, to, action },
        });
        const [audit] = await db.query(
          `SELECT count(*)::int AS n FROM audit_events WHERE action = $1 AND subject_id = $2`,
          [`enrollment.${action}`, enrollment.id],
        );
        expect(audit.n).toBe(1);
      }
    });

    it('requires a reason to end an enrollment', async () => {
      const { enrollment } = await givenActiveEnrollment(t, w);
      expectProblem(
        await as(w.coordinator.token).post(url(enrollment.id, 'withdraw'), {}),
        400,
        'validation-failed',
      );
      expectProblem(
        await as(w.coordinator.token).post(url(enrollment.id, 'terminate'), { reason: ' ' }),
        400,
        'validation-failed',
      );
      expect((await stored(enrollment.id)).status).toBe('active');
    });
  });

  describe('extensions', () => {
    it('moves the scheduled end by every extension and records who granted it', async () => {
      const { enrollment } = await givenEnrollment(t, w, { startDate: '2026-03-02' });
      const first = await as(w.coordinator.token)
        .post(url(enrollment.id, 'extend'), { days: 14, reason: 'Hospitalised' })
        .expect(200);
      expect(first.body.scheduledEndDate).toBe('2026-05-25');
      await recordConsent(t, w.coordinator.token, enrollment.id);
      const second = await as(w.admin)
        .post(url(enrollment.id, 'extend'), { days: 7, reason: 'Court date' })
        .expect(200);
      expect(second.body.scheduledEndDate).toBe('2026-06-01');
      expect(second.body.extensions).toEqual([
        {
          days: 14,
          reason: 'Hospitalised',
          grantedBy: w.coordinator.id,
          grantedAt: expect.any(String),
        },
        {
          days: 7,
          reason: 'Court date',
          grantedBy: expect.any(String),
          grantedAt: expect.any(String),
        },
      ]);
      expect(second.body.extensions[1].grantedBy).not.toBe(w.coordinator.id);
      expect(second.body.status).toBe('active');
    });

    it('adds up concurrent extensions without losing one', async () => {
      const { enrollment } = await givenEnrollment(t, w, { startDate: '2026-03-02' });
      const results = await Promise.all(
        [1, 2, 3, 4, 5].map((days) =>
          as(w.coordinator.token).post(url(enrollment.id, 'extend'), {
            days,
            reason: `Extension ${days}`,
          }),
        ),
      );
      expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      const view = await as(w.coordinator.token).get(url(enrollment.id)).expect(200);
      expect(view.body.scheduledEndDate).toBe(addDays('2026-05-11', 15));
      expect(view.body.extensions).toHaveLength(5);
    });

    it('validates days (1..365) and reason', async () => {
      const { enrollment } = await givenEnrollment(t, w);
      for (const body of [
        { days: 0, reason: 'x' },
        { days: 366, reason: 'x' },
        { days: 1.5, reason: 'x' },
        { days: 3 },
      ]) {
        expectProblem(
          await as(w.coordinator.token).post(url(enrollment.id, 'extend'), body),
          400,
          'validation-failed',
        );
      }
      expect((await stored(enrollment.id)).extensions).toBe(0);
    });
  });

  describe('ETag and If-Match', () => {
    it('returns the version as a strong ETag and refuses a stale If-Match with 412', async () => {
      const { enrollment } = await givenEnrollment(t, w);
      const first = await as(w.coordinator.token).get(url(enrollment.id)).expect(200);
      const etag: string = first.headers.etag;
      expect(etag).toMatch(/^"\d+"$/);

      const extended = await as(w.coordinator.token)
        .post(url(enrollment.id, 'extend'), { days: 3, reason: 'x' }, { 'If-Match': etag })
        .expect(200);
      const newEtag: string = extended.headers.etag;
      expect(newEtag).not.toBe(etag);
      expect((await as(w.coordinator.token).get(url(enrollment.id))).headers.etag).toBe(newEtag);

      const before = await stored(enrollment.id);
      for (const action of [
        'extend',
        'withdraw',
        'terminate',
        'submit-for-review',
        'consents',
        'milestones',
      ]) {
        const body =
          action === 'extend'
            ? { days: 3, reason: 'x' }
            : action === 'consents'
              ? { kind: 'participation', signedBy: 'Maria', signedAt: new Date().toISOString() }
              : action === 'milestones'
                ? { category: 'education', providerAgencyId: w.school.id, requiredSessions: 3 }
                : { reason: 'x' };
        const res = await as(w.coordinator.token).post(
          url(enrollment.id, action),
          action === 'submit-for-review' ? {} : body,
          {
            'If-Match': etag,
          },
        );
        expectProblem(res, 412, 'precondition-failed');
      }
      expectProblem(
        await as(w.coordinator.token).post(
          url(enrollment.id, 'withdraw'),
          { reason: 'x' },
          { 'If-Match': `W/${newEtag}` },
        ),
        412,
        'precondition-failed',
      );
      expect(await stored(enrollment.id)).toEqual(before);

      await as(w.coordinator.token)
        .post(url(enrollment.id, 'withdraw'), { reason: 'x' }, { 'If-Match': `"999", ${newEtag}` })
        .expect(200);
    });

    it('changes the ETag when consents or milestones change what the enrollment shows', async () => {
      const { enrollment } = await givenActiveEnrollment(t, w);
      const etagOf = async () =>
        (await as(w.coordinator.token).get(url(enrollment.id)).expect(200)).headers.etag;
      const e1 = await etagOf();
      await givenMilestone(t, w, enrollment.id, {
        category: 'education',
        providerAgencyId: w.school.id,
        requiredSessions: 1,
      });
      const e2 = await etagOf();
      await recordConsent(t, w.coordinator.token, enrollment.id, {
        kind: 'guardian',
        signedBy: 'Rosa',
      });
      const e3 = await etagOf();
      expect(new Set([e1, e2, e3]).size).toBe(3);
      await as(w.coordinator.token)
        .post(url(enrollment.id, 'extend'), { days: 1, reason: 'x' }, { 'If-Match': '*' })
        .expect(200);
    });
  });

  describe('scoping', () => {
    it("hides one agency's enrollments from another coordinator: reads and writes are 404 and change nothing", async () => {
      const other = await givenOtherCoordinator(t, w);
      const { enrollment } = await givenActiveEnrollment(t, w);
      const before = await stored(enrollment.id);

      const unknown = await as(other.token).get(url(UNKNOWN_ID));
      const hidden = await as(other.token).get(url(enrollment.id));
      expectProblem(hidden, 404, 'not-found');
      const strip = (b: Record<string, unknown>) => ({
        ...b,
        instance: undefined,
        requestId: undefined,
      });
      expect(strip(hidden.body)).toEqual(strip(unknown.body));

      const list = await as(other.token).get('/api/v1/enrollments?limit=500').expect(200);
      expect(list.body.items.map((e: { id: string }) => e.id)).not.toContain(enrollment.id);

      for (const [action, body] of [
        ['extend', { days: 3, reason: 'x' }],
        ['withdraw', { reason: 'x' }],
        ['terminate', { reason: 'x' }],
        ['submit-for-review', {}],
        ['consents', { kind: 'guardian', signedBy: 'X', signedAt: new Date().toISOString() }],
        [
          'milestones',
          { category: 'education', providerAgencyId: w.school.id, requiredSessions: 3 },
        ],
      ] as const) {
        expectProblem(
          await as(other.token).post(url(enrollment.id, action), body),
          404,
          'not-found',
        );
      }
      expect(await stored(enrollment.id)).toEqual(before);
    });

    it("shows an enrollment to a provider only once it holds a milestone, and others' milestones as category and status", async () => {
      const { enrollment } = await givenActiveEnrollment(t, w);
      expectProblem(await as(w.clinicUser.token).get(url(enrollment.id)), 404, 'not-found');

      const mental = await givenMilestone(t, w, enrollment.id, {
        category: 'mental_health',
        providerAgencyId: w.clinic.id,
        requiredSessions: 4,
      });
      const shelter = await givenMilestone(t, w, enrollment.id, {
        category: 'shelter',
        providerAgencyId: w.shelter.id,
        requiredSessions: 10,
      });
      await db.query(`UPDATE milestones SET attended_sessions = 2 WHERE id = $1`, [shelter.id]);

      const clinicView = await as(w.clinicUser.token).get(url(enrollment.id)).expect(200);
      expect(clinicView.body.milestones).toEqual([
        expect.objectContaining({
          id: mental.id,
          category: 'mental_health',
          providerAgencyId: w.clinic.id,
          requiredSessions: 4,
          attendedSessions: 0,
          status: 'not_started',
        }),
        { id: shelter.id, category: 'shelter', status: 'in_progress' },
      ]);
      // Minimum necessary: no arrest record, no signer names, no end reason for providers.
      expect(clinicView.body.arrestRecordId).toBeNull();
      expect(clinicView.body.consents[0]).not.toHaveProperty('signedBy');

      const shelterView = await as(w.shelterUser.token).get(url(enrollment.id)).expect(200);
      expect(shelterView.body.milestones).toEqual([
        { id: mental.id, category: 'mental_health', status: 'not_started' },
        expect.objectContaining({ id: shelter.id, attendedSessions: 2, requiredSessions: 10 }),
      ]);
      expectProblem(await as(w.schoolUser.token).get(url(enrollment.id)), 404, 'not-found');

      const clinicList = await as(w.clinicUser.token)
        .get('/api/v1/enrollments?limit=500')
        .expect(200);
      expect(clinicList.body.items.map((e: { id: string }) => e.id)).toContain(enrollment.id);
      const schoolList = await as(w.schoolUser.token)
        .get('/api/v1/enrollments?limit=500')
        .expect(200);
      expect(schoolList.body.items.map((e: { id: string }) => e.id)).not.toContain(enrollment.id);

      // A live information-sharing consent opens the clinic's mental-health details to the shelter.
      await recordConsent(t, w.coordinator.token, enrollment.id, {
        kind: 'information_sharing',
        serviceCategory: 'mental_health',
        recipientAgencyId: w.shelter.id,
      });
      const shared = await as(w.shelterUser.token).get(url(enrollment.id)).expect(200);
      expect(shared.body.milestones[0]).toMatchObject({
        id: mental.id,
        requiredSessions: 4,
        attendedSessions: 0,
      });

      // Providers read; they do not run the enrollment.
      expectProblem(
        await as(w.clinicUser.token).post(url(enrollment.id, 'withdraw'), { reason: 'x' }),
        403,
        'forbidden',
      );
    });

    it('shows the court only enrollments pending its review', async () => {
      const { enrollment } = await givenReadyForReview();
      expectProblem(await as(w.clerk.token).get(url(enrollment.id)), 404, 'not-found');
      let list = await as(w.clerk.token).get('/api/v1/enrollments?limit=500').expect(200);
      expect(list.body.items.map((e: { id: string }) => e.id)).not.toContain(enrollment.id);

      await as(w.coordinator.token).post(url(enrollment.id, 'submit-for-review')).expect(200);
      const view = await as(w.clerk.token).get(url(enrollment.id)).expect(200);
      expect(view.body.status).toBe('pending_court_review');
      expect(view.body.milestones).toEqual([
        { id: expect.any(String), category: 'mental_health', status: 'met' },
      ]);
      list = await as(w.clerk.token).get('/api/v1/enrollments?limit=500').expect(200);
      expect(
        list.body.items.every((e: { status: string }) => e.status === 'pending_court_review'),
      ).toBe(true);
      expect(list.body.items.map((e: { id: string }) => e.id)).toContain(enrollment.id);
    });

    it('keeps showing the court the enrollments it decided, and no other court', async () => {
      const { enrollment } = await givenReadyForReview();
      await as(w.coordinator.token).post(url(enrollment.id, 'submit-for-review')).expect(200);
      await as(w.clerk.token)
        .post(url(enrollment.id, 'completion'), { decision: 'rejected', notes: 'Missing report' })
        .expect(200);
      const view = await as(w.clerk.token).get(url(enrollment.id)).expect(200);
      expect(view.body.status).toBe('active');

      const otherCourt = await givenAgency(t, w.admin, { kind: 'court' });
      const otherClerk = await givenUser(t, w.admin, { role: 'court', agencyId: otherCourt.id });
      expectProblem(await as(otherClerk.token).get(url(enrollment.id)), 404, 'not-found');
    });

    it("lets a partner client with enrollments:read see its agency's enrollments, and no others", async () => {
      const { enrollment } = await givenActiveEnrollment(t, w);
      const reader = await givenClient(t, w.admin, {
        agencyId: w.da.id,
        scopes: ['enrollments:read'],
      });
      const view = await as(reader.token).get(url(enrollment.id)).expect(200);
      expect(view.body.consents[0]).not.toHaveProperty('signedBy');
      const stranger = await givenAgency(t, w.admin, { kind: 'probation' });
      const strangerClient = await givenClient(t, w.admin, {
        agencyId: stranger.id,
        scopes: ['enrollments:read'],
      });
      expectProblem(await as(strangerClient.token).get(url(enrollment.id)), 404, 'not-found');
      const unscoped = await givenClient(t, w.admin, {
        agencyId: w.da.id,
        scopes: ['events:read'],
      });
      expectProblem(await as(unscoped.token).get(url(enrollment.id)), 403, 'forbidden');
      const auditorUser = await givenUser(t, w.admin, { role: 'auditor', agencyId: w.da.id });
      expectProblem(await as(auditorUser.token).get(url(enrollment.id)), 403, 'forbidden');
    });

    it('audits every read of an enrollment', async () => {
      const { enrollment } = await givenEnrollment(t, w);
      await as(w.coordinator.token).get(url(enrollment.id)).expect(200);
      await as(w.admin).get(url(enrollment.id)).expect(200);
      const rows = await db.query(
        `SELECT actor_id FROM audit_events WHERE action = 'enrollment.read' AND subject_id = $1 ORDER BY position`,
        [enrollment.id],
      );
      expect(rows).toHaveLength(2);
      expect(rows[0].actor_id).toBe(w.coordinator.id);
    });
  });

  describe('the enrollment view', () => {
    it('never shows the arrest record once it is sealed', async () => {
      const { enrollment, arrest, participant } = await givenActiveEnrollment(t, w);
      expect(
        (await as(w.coordinator.token).get(url(enrollment.id)).expect(200)).body.arrestRecordId,
      ).toBe(arrest.id);
      await db.query(
        `UPDATE arrest_records SET status = 'sealed', sealed_at = now() WHERE id = $1`,
        [arrest.id],
      );
      for (const token of [w.coordinator.token, w.admin]) {
        const view = await as(token).get(url(enrollment.id)).expect(200);
        expect(view.body.arrestRecordId).toBeNull();
        expect(JSON.stringify(view.body)).not.toContain(arrest.id);
      }
      const list = await as(w.coordinator.token)
        .get(`/api/v1/enrollments?participantId=${participant.id}`)
        .expect(200);
      expect(JSON.stringify(list.body)).not.toContain(arrest.id);
      const mine = await as(w.admin).get('/api/v1/enrollments?limit=500').expect(200);
      expect(JSON.stringify(mine.body)).not.toContain(arrest.id);
    });

    it('tells whether the minor was connected to a service within 24 hours', async () => {
      const { enrollment } = await givenActiveEnrollment(t, w);
      const view = async () =>
        (await as(w.coordinator.token).get(url(enrollment.id)).expect(200)).body;
      expect((await view()).connectedWithin24h).toBeNull();
      await db.query(
        `UPDATE enrollments SET activated_at = now() - interval '3 days', first_service_at = now() - interval '2 days 1 hour' WHERE id = $1`,
        [enrollment.id],
      );
      expect(await view()).toMatchObject({
        connectedWithin24h: true,
        firstServiceAt: expect.any(String),
      });
      await db.query(
        `UPDATE enrollments SET first_service_at = now() - interval '1 day' WHERE id = $1`,
        [enrollment.id],
      );
      expect((await view()).connectedWithin24h).toBe(false);
      await db.query(`UPDATE enrollments SET first_service_at = NULL WHERE id = $1`, [
        enrollment.id,
      ]);
      expect((await view()).connectedWithin24h).toBe(false);
    });
  });

  describe('list', () => {
    it('pages with a keyset cursor, without repeats or gaps, and filters', async () => {
      const coordinator = await givenOtherCoordinator(t, w);
      const scoped: World = { ...w, coordinator };
      const created: string[] = [];
      for (let i = 0; i < 5; i++) {
        created.push(
          (await givenEnrollment(t, scoped, { site: i % 2 === 0 ? 'Compton' : 'Pomona' }))
            .enrollment.id,
        );
      }
      await recordConsent(t, coordinator.token, created[0]);
      await givenMilestone(t, scoped, created[1], {
        category: 'education',
        providerAgencyId: w.school.id,
        requiredSessions: 2,
      });

      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: Response = await as(coordinator.token)
          .get(`/api/v1/enrollments?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
          .expect(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.items.map((e: { id: string }) => e.id));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual(created);

      const ids = async (query: string) =>
        (
          await as(coordinator.token).get(`/api/v1/enrollments?${query}`).expect(200)
        ).body.items.map((e: { id: string }) => e.id);
      expect(await ids('site=Pomona')).toEqual([created[1], created[3]]);
      expect(await ids('status=active')).toEqual([created[0]]);
      expect(await ids(`providerAgencyId=${w.school.id}`)).toEqual([created[1]]);
      const { participantId } = (await as(coordinator.token).get(url(created[2])).expect(200)).body;
      expect(await ids(`participantId=${participantId}`)).toEqual([created[2]]);

      const items = (await as(coordinator.token).get('/api/v1/enrollments').expect(200)).body.items;
      expect(items.find((e: { id: string }) => e.id === created[1]).milestones).toEqual([
        expect.objectContaining({ category: 'education', providerAgencyId: w.school.id }),
      ]);

      expectProblem(
        await as(coordinator.token).get('/api/v1/enrollments?status=done'),
        400,
        'validation-failed',
      );
      expectProblem(
        await as(coordinator.token).get('/api/v1/enrollments?cursor=garbage'),
        400,
        'validation-failed',
      );
      expectProblem(
        await as(coordinator.token).get('/api/v1/enrollments?limit=501'),
        400,
        'validation-failed',
      );
    });
  });
});
