/**
 * Court jurisdiction and the court's decisions (API.md / PRODUCT.md Additions, "Court
 * jurisdiction"; Rule of Court 5.850): a review goes before the court it is submitted to and
 * no other; a rejection's reasons reach the coordinator; a short milestone is confirmed only
 * with a recorded finding of substantial compliance; a finding of unsatisfactory completion
 * ends the enrollment `terminated` with reasons and the notice to the minor.
 */
import { DataSource } from 'typeorm';
import { givenAgency, givenUser, GivenUser } from './support/factories';
import { actingAs, expectProblem } from './support/http';
import { startTestApp, TestApp } from './support/test-app';
import {
  givenActiveEnrollment,
  givenEnrollmentPendingReview,
  givenMilestone,
  givenWorld,
  recordAttendance,
  World,
} from './support/workflow';

describe('court jurisdiction and decisions', () => {
  let t: TestApp;
  let w: World;
  let db: DataSource;
  let otherCourtId: string;
  let otherClerk: GivenUser;

  beforeAll(async () => {
    t = await startTestApp();
    w = await givenWorld(t);
    db = t.app.get(DataSource);
    otherCourtId = (await givenAgency(t, w.admin, { kind: 'court' })).id;
    otherClerk = await givenUser(t, w.admin, { role: 'court', agencyId: otherCourtId });
  });
  afterAll(() => t.close());

  const as = (token: string) => actingAs(t, token);
  const decide = (token: string, id: string, body: object) =>
    as(token).post(`/api/v1/enrollments/${id}/completion`, body);

  async function stateOf(enrollmentId: string, arrestRecordId: string) {
    const [row] = await db.query(
      `SELECT e.status, e.version, ar.status AS arrest,
              (SELECT count(*)::int FROM court_reviews r WHERE r.enrollment_id = e.id) AS reviews,
              (SELECT count(*)::int FROM sealing_notices n WHERE n.enrollment_id = e.id) AS notices
         FROM enrollments e JOIN arrest_records ar ON ar.id = e.arrest_record_id WHERE e.id = $1`,
      [enrollmentId],
    );
    expect(row.arrest).toBeDefined();
    expect(arrestRecordId).toBeTruthy();
    return row;
  }

  /** An active enrollment whose one milestone needs 2 sessions and has 1. */
  async function givenShortEnrollment() {
    const created = await givenActiveEnrollment(t, w);
    const milestone = await givenMilestone(t, w, created.enrollment.id, {
      category: 'mental_health',
      providerAgencyId: w.clinic.id,
      requiredSessions: 2,
    });
    await recordAttendance(t, w.clinicUser.token, milestone.id).expect(201);
    return { ...created, milestone };
  }

  describe('submission names the court', () => {
    it('requires courtAgencyId when there is more than one court (422) and changes nothing', async () => {
      const { enrollment } = await givenActiveEnrollment(t, w);
      const milestone = await givenMilestone(t, w, enrollment.id, {
        category: 'education',
        providerAgencyId: w.school.id,
        requiredSessions: 1,
      });
      await recordAttendance(t, w.schoolUser.token, milestone.id).expect(201);
      const submit = (body: object) =>
        as(w.coordinator.token).post(
          `/api/v1/enrollments/${enrollment.id}/submit-for-review`,
          body,
        );

      expectProblem(await submit({}), 422, 'review-court-required');
      // A police agency is not a court; an unknown id is not one either.
      expectProblem(await submit({ courtAgencyId: w.police.id }), 422, 'review-court-not-found');
      expectProblem(
        await submit({ courtAgencyId: '00000000-0000-4000-8000-000000000000' }),
        422,
        'review-court-not-found',
      );
      expectProblem(await submit({ courtAgencyId: 'not-a-uuid' }), 400, 'validation-failed');
      const unchanged = await as(w.coordinator.token).get(`/api/v1/enrollments/${enrollment.id}`);
      expect(unchanged.body).toMatchObject({ status: 'active', reviewCourtAgencyId: null });

      const res = await submit({ courtAgencyId: w.court.id }).expect(200);
      expect(res.body).toMatchObject({
        status: 'pending_court_review',
        reviewCourtAgencyId: w.court.id,
        lastCourtDecision: null,
      });
    });
  });

  describe('only the court it was submitted to', () => {
    it('shows the review to that court only, and another court gets 404 and changes nothing', async () => {
      const { enrollment, arrest } = await givenEnrollmentPendingReview(t, w);
      const queueOf = async (token: string) =>
        (await as(token).get('/api/v1/court/review-queue?limit=500').expect(200)).body.items.map(
          (item: { id: string }) => item.id,
        );
      expect(await queueOf(w.clerk.token)).toContain(enrollment.id);
      expect(await queueOf(otherClerk.token)).not.toContain(enrollment.id);
      await as(otherClerk.token).get(`/api/v1/enrollments/${enrollment.id}`).expect(404);
      await as(otherClerk.token).get(`/api/v1/arrest-records/${arrest.id}`).expect(404);

      const before = await stateOf(enrollment.id, arrest.id);
      for (const decision of ['confirmed', 'rejected']) {
        const res = await decide(otherClerk.token, enrollment.id, {
          decision,
          reasons: 'Not ours to decide',
        });
        expectProblem(res, 404, 'not-found');
      }
      expect(await stateOf(enrollment.id, arrest.id)).toEqual(before);

      await decide(w.clerk.token, enrollment.id, { decision: 'confirmed' }).expect(200);
    });

    it('puts a review submitted to the other court in its queue, not in the first court’s', async () => {
      const { enrollment } = await givenEnrollmentPendingReview(t, w, {}, otherCourtId);
      const queue = await as(otherClerk.token).get('/api/v1/court/review-queue?limit=500');
      expect(queue.body.items.map((i: { id: string }) => i.id)).toContain(enrollment.id);
      expect(
        (await as(w.clerk.token).get('/api/v1/court/review-queue?limit=500')).body.items.map(
          (i: { id: string }) => i.id,
        ),
      ).not.toContain(enrollment.id);
      await decide(w.clerk.token, enrollment.id, { decision: 'confirmed' }).expect(404);
      const res = await decide(otherClerk.token, enrollment.id, { decision: 'confirmed' });
      expect(res.status).toBe(200);
      expect(res.body.review.courtAgencyId).toBe(otherCourtId);
    });
  });

  describe('rejection', () => {
    it('shows the reasons to the coordinator as lastCourtDecision; providers see no reasons', async () => {
      const { enrollment } = await givenEnrollmentPendingReview(t, w);
      await decide(w.clerk.token, enrollment.id, {
        decision: 'rejected',
        reasons: 'The school attendance letter is missing',
      }).expect(200);
      const seen = await as(w.coordinator.token).get(`/api/v1/enrollments/${enrollment.id}`);
      expect(seen.body).toMatchObject({
        status: 'active',
        lastCourtDecision: {
          decision: 'rejected',
          reasons: 'The school attendance letter is missing',
          courtAgencyId: w.court.id,
          decidedAt: expect.any(String),
        },
      });
      const provider = await as(w.clinicUser.token).get(`/api/v1/enrollments/${enrollment.id}`);
      expect(provider.body.lastCourtDecision).toMatchObject({
        decision: 'rejected',
        reasons: null,
      });
    });

    it('takes a v1 rejection that gives its reasons as notes', async () => {
      const { enrollment } = await givenEnrollmentPendingReview(t, w);
      await decide(w.clerk.token, enrollment.id, {
        decision: 'rejected',
        notes: 'Resubmit with the shelter log',
      }).expect(200);
      const seen = await as(w.coordinator.token).get(`/api/v1/enrollments/${enrollment.id}`);
      expect(seen.body.lastCourtDecision.reasons).toBe('Resubmit with the shelter log');
    });
  });

  describe('substantial compliance', () => {
    it('refuses to submit a short plan without a shortfall reason (409)', async () => {
      const { enrollment } = await givenShortEnrollment();
      const res = await as(w.coordinator.token).post(
        `/api/v1/enrollments/${enrollment.id}/submit-for-review`,
        { courtAgencyId: w.court.id },
      );
      expectProblem(res, 409, 'enrollment-plan-incomplete');
    });

    it('confirms a short milestone only with a finding, recorded in the review, events and audit', async () => {
      const { enrollment, arrest } = await givenShortEnrollment();
      await as(w.coordinator.token)
        .post(`/api/v1/enrollments/${enrollment.id}/submit-for-review`, {
          courtAgencyId: w.court.id,
          shortfallReason: 'Hospitalised for the last session; the therapist reports progress',
        })
        .expect(200);

      const before = await stateOf(enrollment.id, arrest.id);
      const refused = await decide(w.clerk.token, enrollment.id, { decision: 'confirmed' });
      expectProblem(refused, 422, 'court-finding-required');
      expect(await stateOf(enrollment.id, arrest.id)).toEqual(before);

      const res = await decide(w.clerk.token, enrollment.id, {
        decision: 'confirmed',
        substantialComplianceFinding: 'Substantial compliance: 1 of 2 sessions, illness documented',
      }).expect(200);
      expect(res.body).toMatchObject({
        status: 'completed',
        review: {
          decision: 'confirmed',
          substantialComplianceFinding:
            'Substantial compliance: 1 of 2 sessions, illness documented',
        },
      });
      const seen = await as(w.coordinator.token).get(`/api/v1/enrollments/${enrollment.id}`);
      expect(seen.body.lastCourtDecision).toMatchObject({
        decision: 'confirmed',
        reasons: null,
        substantialComplianceFinding: 'Substantial compliance: 1 of 2 sessions, illness documented',
      });
      const audit = await db.query(
        `SELECT action FROM audit_events WHERE subject_id = $1 AND outcome = 'success'`,
        [enrollment.id],
      );
      expect(audit.map((a: { action: string }) => a.action)).toContain(
        'enrollment.substantial_compliance_found',
      );
      const [completed] = await db.query(
        `SELECT data FROM outbox_events WHERE enrollment_id = $1 AND type = 'enrollment.completed'`,
        [enrollment.id],
      );
      expect(completed.data).toMatchObject({ substantialCompliance: true });
    });

    it('refuses a finding when every milestone is met, and on a rejection (422)', async () => {
      const { enrollment, arrest } = await givenEnrollmentPendingReview(t, w);
      const before = await stateOf(enrollment.id, arrest.id);
      for (const decision of ['confirmed', 'rejected']) {
        const res = await decide(w.clerk.token, enrollment.id, {
          decision,
          reasons: 'x',
          substantialComplianceFinding: 'Nothing is short',
        });
        expectProblem(res, 422, 'court-finding-not-applicable');
      }
      expect(await stateOf(enrollment.id, arrest.id)).toEqual(before);
    });
  });

  describe('unsatisfactory completion', () => {
    const notice = () => ({
      notifiedAt: new Date(Date.now() - 3600_000).toISOString(),
      method: 'letter',
    });

    it('requires reasons and the notice to the minor (400) and changes nothing without them', async () => {
      const { enrollment, arrest } = await givenEnrollmentPendingReview(t, w);
      const before = await stateOf(enrollment.id, arrest.id);
      const cases: [object, string][] = [
        [{ decision: 'unsatisfactory', minorNotice: notice() }, 'reasons'],
        [{ decision: 'unsatisfactory', reasons: 'Stopped attending' }, 'minorNotice'],
        [
          { decision: 'unsatisfactory', reasons: 'x', minorNotice: { notifiedAt: 'soon' } },
          'minorNotice.notifiedAt',
        ],
      ];
      for (const [body, field] of cases) {
        const res = await decide(w.clerk.token, enrollment.id, body);
        expectProblem(res, 400, 'validation-failed');
        expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      }
      const future = await decide(w.clerk.token, enrollment.id, {
        decision: 'unsatisfactory',
        reasons: 'x',
        minorNotice: { notifiedAt: new Date(Date.now() + 86400_000).toISOString(), method: 'x' },
      });
      expectProblem(future, 400, 'validation-failed');
      const stray = await decide(w.clerk.token, enrollment.id, {
        decision: 'rejected',
        reasons: 'x',
        minorNotice: notice(),
      });
      expectProblem(stray, 400, 'validation-failed');
      expect(await stateOf(enrollment.id, arrest.id)).toEqual(before);
    });

    it('ends the enrollment terminated with the reasons and the notice; nothing is sealed', async () => {
      const { enrollment, arrest } = await givenEnrollmentPendingReview(t, w);
      const given = notice();
      const res = await decide(w.clerk.token, enrollment.id, {
        decision: 'unsatisfactory',
        reasons: 'Left the program for six weeks',
        minorNotice: given,
      }).expect(200);
      expect(res.body).toMatchObject({
        status: 'terminated',
        completedAt: null,
        endReason: null, // the court is not a case worker
        sealingNotices: 0,
        review: {
          decision: 'unsatisfactory',
          reasons: 'Left the program for six weeks',
          minorNotifiedAt: given.notifiedAt,
          minorNotificationMethod: 'letter',
        },
      });
      const seen = await as(w.coordinator.token).get(`/api/v1/enrollments/${enrollment.id}`);
      expect(seen.body).toMatchObject({
        status: 'terminated',
        endReason: 'Left the program for six weeks',
        lastCourtDecision: {
          decision: 'unsatisfactory',
          reasons: 'Left the program for six weeks',
          minorNotifiedAt: given.notifiedAt,
        },
      });
      expect(await stateOf(enrollment.id, arrest.id)).toMatchObject({
        status: 'terminated',
        arrest: 'open',
        notices: 0,
        reviews: 1,
      });
      const audit = await db.query(
        `SELECT action FROM audit_events WHERE subject_id = $1 AND outcome = 'success'`,
        [enrollment.id],
      );
      expect(audit.map((a: { action: string }) => a.action)).toEqual(
        expect.arrayContaining([
          'enrollment.find_unsatisfactory',
          'enrollment.minor_notified_of_unsatisfactory_completion',
        ]),
      );
    });
  });
});
