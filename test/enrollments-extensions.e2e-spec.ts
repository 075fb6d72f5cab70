import { DataSource } from 'typeorm';
import { addDays } from '../src/enrollments/domain/program-period';
import { enrollmentUrl, storedEnrollment } from './support/enrollments';
import { actingAs, expectProblem } from './support/http';
import { startTestApp, TestApp } from './support/test-app';
import {
  givenActiveEnrollment,
  givenEnrollment,
  givenMilestone,
  givenWorld,
  recordConsent,
  World,
} from './support/workflow';

/**
 * Changing an open enrollment: extensions of the program period, and the ETag / If-Match
 * versioning every change to an enrollment shares.
 */
describe('enrollments: extensions and versions', () => {
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
});
