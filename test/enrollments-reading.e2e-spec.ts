import type { Response } from 'supertest';
import { DataSource } from 'typeorm';
import { givenAgency, givenUser } from './support/factories';
import {
  enrollmentUrl,
  givenEnrollmentReadyForReview,
  storedEnrollment,
} from './support/enrollments';
import { UNKNOWN_ID, actingAs, expectProblem } from './support/http';
import { startTestApp, TestApp } from './support/test-app';
import {
  attendSessions,
  givenActiveEnrollment,
  givenClient,
  givenEnrollment,
  givenEnrollmentPendingReview,
  givenMilestone,
  givenOtherCoordinator,
  givenWorld,
  recordConsent,
  World,
} from './support/workflow';

/**
 * Reading enrollments: who sees which (scoping), what the view shows, and the list.
 */
describe('enrollments: reading (GET /enrollments/:id, GET /enrollments)', () => {
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
  const givenReadyForReview = () => givenEnrollmentReadyForReview(t, w);

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
      await attendSessions(t, w.shelterUser.token, shelter.id, 2);

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
        // Met / not met only: in_progress would tell the clinic the shelter placement began.
        { id: shelter.id, category: 'shelter', status: 'not_met' },
      ]);
      // Minimum necessary: no arrest record, no signer names, no end reason for providers.
      expect(clinicView.body.arrestRecordId).toBeNull();
      expect(clinicView.body.consents[0]).not.toHaveProperty('signedBy');

      const shelterView = await as(w.shelterUser.token).get(url(enrollment.id)).expect(200);
      expect(shelterView.body.milestones).toEqual([
        { id: mental.id, category: 'mental_health', status: 'not_met' },
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
      const { enrollment, arrest, participant } = await givenEnrollmentPendingReview(t, w);
      expect(
        (await as(w.coordinator.token).get(url(enrollment.id)).expect(200)).body.arrestRecordId,
      ).toBe(arrest.id);
      // The court confirms completion, which seals the arrest record.
      await as(w.clerk.token)
        .post(url(enrollment.id, 'completion'), { decision: 'confirmed', courtOrderNumber: 'JV-2' })
        .expect(200);
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
      // The clock moved back (activation and first service days ago): SQL is the only way, the
      // app stamps both with the current time and has no injectable clock.
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
