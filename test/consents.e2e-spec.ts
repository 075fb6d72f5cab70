import { DataSource } from 'typeorm';
import { enrollmentEvents, enrollmentUrl, storedEnrollment } from './support/enrollments';
import { UNKNOWN_ID, actingAs, expectProblem } from './support/http';
import { withProgramSettings } from './support/program-settings';
import { startTestApp, TestApp } from './support/test-app';
import {
  givenActiveEnrollment,
  givenEnrollment,
  givenOtherCoordinator,
  givenWorld,
  recordConsent,
  World,
} from './support/workflow';

/**
 * Consents: participation (and guardian) consent activates an enrollment, revoking it
 * withdraws it; information-sharing consents and their validation.
 */
describe('consents (POST /enrollments/:id/consents, POST /consents/:id/revoke)', () => {
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
        'consent.recorded',
        'enrollment.activated',
        'enrollment.status_changed',
      ]);
      // Ids and the kind only: never who signed.
      expect(events[1].data).toEqual({
        consentId: res.body.id,
        enrollmentId: enrollment.id,
        kind: 'participation',
      });
      expect(events[2].data).toMatchObject({
        enrollmentId: enrollment.id,
        participantId: participant.id,
      });
      expect(events[3].data).toMatchObject({
        enrollmentId: enrollment.id,
        from: 'pending_consent',
        to: 'active',
      });
    });

    it('needs the guardian consent as well when the program requires it', async () => {
      await withProgramSettings(t, { guardianConsentRequired: true }, async () => {
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
      });
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
      expect(events.slice(-2)).toEqual([
        {
          type: 'consent.revoked',
          data: { consentId: consent.id, enrollmentId: enrollment.id, kind: 'participation' },
        },
        {
          type: 'enrollment.status_changed',
          data: {
            enrollmentId: enrollment.id,
            from: 'active',
            to: 'withdrawn',
            action: 'withdraw',
          },
        },
      ]);

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
});
