/**
 * Program settings through the API (admin): GET /programs, GET and PATCH /programs/:id with
 * If-Match. A change applies to enrollments opened afterwards only: an enrollment keeps the
 * length and guardian-consent rule it was opened under.
 */
import { DataSource } from 'typeorm';
import { actingAs, expectProblem, UNKNOWN_ID } from './support/http';
import { defaultProgram, withProgramSettings } from './support/program-settings';
import { startTestApp, TestApp } from './support/test-app';
import { givenEnrollment, givenWorld, recordConsent, World } from './support/workflow';

const addDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86400_000).toISOString().slice(0, 10);

describe('program settings', () => {
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
  const patch = (id: string, body: object, ifMatch?: string) => {
    const req = t.http.patch(`/api/v1/programs/${id}`).auth(w.admin, { type: 'bearer' });
    if (ifMatch !== undefined) void req.set('If-Match', ifMatch);
    return req.send(body);
  };

  it('lists and reads the programs for admins only, with an ETag', async () => {
    const list = await as(w.admin).get('/api/v1/programs').expect(200);
    expect(list.body).toEqual({
      items: [
        {
          id: expect.any(String),
          code: 'first-step',
          name: expect.any(String),
          lengthDays: 70,
          guardianConsentRequired: false,
          sites: [],
          retentionYears: 5,
          timeZone: 'America/Los_Angeles',
          version: expect.any(Number),
        },
      ],
      nextCursor: null,
    });
    const id = list.body.items[0].id as string;
    const one = await as(w.admin).get(`/api/v1/programs/${id}`).expect(200);
    expect(one.headers.etag).toBe(`"${one.body.version}"`);
    await as(w.admin).get(`/api/v1/programs/${UNKNOWN_ID}`).expect(404);
    await as(w.coordinator.token).get('/api/v1/programs').expect(403);
    await as(w.clerk.token).get(`/api/v1/programs/${id}`).expect(403);
    await t.http
      .patch(`/api/v1/programs/${id}`)
      .auth(w.coordinator.token, { type: 'bearer' })
      .set('If-Match', one.headers.etag)
      .send({ lengthDays: 80 })
      .expect(403);
  });

  it('requires If-Match, refuses a stale one and bad values, and changes nothing then', async () => {
    const { program, etag } = await defaultProgram(t, w.admin);
    expectProblem(await patch(program.id, { lengthDays: 80 }), 428, 'precondition-required');
    expectProblem(await patch(program.id, { lengthDays: 80 }, '"999"'), 412, 'precondition-failed');
    const bad: [object, string][] = [
      [{ lengthDays: 0 }, 'lengthDays'],
      [{ lengthDays: 1.5 }, 'lengthDays'],
      [{ retentionYears: 0 }, 'retentionYears'],
      [{ timeZone: 'Mars/Olympus_Mons' }, 'timeZone'],
      [{ sites: ['Compton', 'Compton'] }, 'sites'],
      [{ sites: [''] }, 'sites'],
      [{ guardianConsentRequired: 'yes' }, 'guardianConsentRequired'],
      [{ code: 'other' }, 'code'],
    ];
    for (const [body, field] of bad) {
      const res = await patch(program.id, body, etag);
      expectProblem(res, 400, 'validation-failed');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    const after = await defaultProgram(t, w.admin);
    expect(after).toEqual({ program, etag });
  });

  it('changes the settings: new ETag, audited', async () => {
    const { program, etag } = await defaultProgram(t, w.admin);
    const res = await patch(
      program.id,
      { retentionYears: 6, timeZone: 'America/Denver' },
      etag,
    ).expect(200);
    expect(res.body).toMatchObject({ retentionYears: 6, timeZone: 'America/Denver' });
    expect(res.headers.etag).not.toBe(etag);
    const restored = await patch(
      program.id,
      { retentionYears: 5, timeZone: 'America/Los_Angeles' },
      res.headers.etag,
    ).expect(200);
    expect(restored.body).toMatchObject({ retentionYears: 5, timeZone: 'America/Los_Angeles' });
    const audit = await db.query(
      `SELECT action FROM audit_events
        WHERE subject_id = $1 AND outcome = 'success' AND action = 'program.settings_changed'`,
      [program.id],
    );
    expect(audit).toEqual([
      { action: 'program.settings_changed' },
      { action: 'program.settings_changed' },
    ]);
  });

  it('applies a change to enrollments opened afterwards only', async () => {
    const before = await givenEnrollment(t, w);
    expect(before.enrollment.scheduledEndDate).toBe(addDays(before.enrollment.startDate, 70));

    await withProgramSettings(t, { lengthDays: 90, guardianConsentRequired: true }, async () => {
      const after = await givenEnrollment(t, w);
      expect(after.enrollment.scheduledEndDate).toBe(addDays(after.enrollment.startDate, 90));

      // The earlier enrollment keeps its 70 days: an extension counts from them, not from 90.
      const extended = await as(w.coordinator.token)
        .post(`/api/v1/enrollments/${before.enrollment.id}/extend`, {
          days: 5,
          reason: 'Hospitalised',
        })
        .expect(200);
      expect(extended.body.scheduledEndDate).toBe(addDays(before.enrollment.startDate, 75));

      // ... and needs no guardian's consent: the minor's own starts it.
      await recordConsent(t, w.coordinator.token, before.enrollment.id);
      const started = await as(w.coordinator.token).get(
        `/api/v1/enrollments/${before.enrollment.id}`,
      );
      expect(started.body.status).toBe('active');

      // The new one does.
      await recordConsent(t, w.coordinator.token, after.enrollment.id);
      const waiting = await as(w.coordinator.token).get(
        `/api/v1/enrollments/${after.enrollment.id}`,
      );
      expect(waiting.body.status).toBe('pending_consent');
      await recordConsent(t, w.coordinator.token, after.enrollment.id, {
        kind: 'guardian',
        signedBy: 'Rosa Lopez',
      });
      const active = await as(w.coordinator.token).get(
        `/api/v1/enrollments/${after.enrollment.id}`,
      );
      expect(active.body.status).toBe('active');
    });
    const { program } = await defaultProgram(t, w.admin);
    expect(program).toMatchObject({ lengthDays: 70, guardianConsentRequired: false });
  });
});
