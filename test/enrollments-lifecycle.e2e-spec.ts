import { DataSource } from 'typeorm';
import {
  enrollmentEvents,
  enrollmentUrl,
  givenEnrollmentReadyForReview,
  storedEnrollment,
} from './support/enrollments';
import { actingAs, expectProblem } from './support/http';
import { startTestApp, TestApp } from './support/test-app';
import {
  attendSessions,
  givenActiveEnrollment,
  givenEnrollment,
  givenEnrollmentPendingReview,
  givenMilestone,
  givenWorld,
  World,
} from './support/workflow';

/**
 * The enrollment state machine over HTTP: submission for court review, withdrawal,
 * termination, and every transition the table forbids (409, nothing written).
 */
describe('enrollments: the status lifecycle', () => {
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
  const url = enrollmentUrl;
  const stored = (enrollmentId: string) => storedEnrollment(db, enrollmentId);
  const eventsOf = (enrollmentId: string) => enrollmentEvents(db, enrollmentId);
  const givenReadyForReview = () => givenEnrollmentReadyForReview(t, w);

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
      const mental = await givenMilestone(t, w, enrollment.id, {
        category: 'mental_health',
        providerAgencyId: w.clinic.id,
        requiredSessions: 2,
      });
      const shelter = await givenMilestone(t, w, enrollment.id, {
        category: 'shelter',
        providerAgencyId: w.shelter.id,
        requiredSessions: 3,
      });
      await attendSessions(t, w.clinicUser.token, mental.id, 2); // met
      await attendSessions(t, w.shelterUser.token, shelter.id, 2); // 2 of 3
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
      // Completion is the court's decision: the clerk confirms (and so seals the arrest record).
      await as(w.clerk.token)
        .post(url(enrollment.id, 'completion'), { decision: 'confirmed', courtOrderNumber: 'JV-1' })
        .expect(200);
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
});
