import { DataSource } from 'typeorm';
import { givenClient } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';
import {
  givenActiveEnrollment,
  givenMilestone,
  givenWorld,
  recordAttendance,
} from './support/workflow';

describe('attendance notes and partner systems', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('never returns shelter notes to a partner system; people of the shelter still read them', async () => {
    const w = await givenWorld(t);
    const { enrollment } = await givenActiveEnrollment(t, w);
    const shelter = await givenMilestone(t, w, enrollment.id, {
      category: 'shelter',
      providerAgencyId: w.shelter.id,
      requiredSessions: 5,
    });
    await recordAttendance(t, w.shelterUser.token, shelter.id, {
      notes: 'Placed at the Elm Street house, room 4',
    }).expect(201);

    const list = (token: string) =>
      t.http
        .get(`/api/v1/milestones/${shelter.id}/attendance`)
        .auth(token, { type: 'bearer' })
        .expect(200)
        .then((res) => res.body.items as { notes: string | null }[]);

    expect((await list(w.shelterUser.token))[0].notes).toMatch(/Elm Street/);
    const shelterSystem = await givenClient(t, w.admin, {
      agencyId: w.shelter.id,
      scopes: ['enrollments:read'],
    });
    const coordinatorSystem = await givenClient(t, w.admin, {
      agencyId: w.da.id,
      scopes: ['enrollments:read'],
    });
    expect((await list(shelterSystem.token))[0].notes).toBeNull();
    expect((await list(coordinatorSystem.token))[0].notes).toBeNull();
  });

  it('applies the same disclosure rule on every path that returns a record (one presenter)', async () => {
    const w = await givenWorld(t);
    const { enrollment } = await givenActiveEnrollment(t, w);
    const shelter = await givenMilestone(t, w, enrollment.id, {
      category: 'shelter',
      providerAgencyId: w.shelter.id,
      requiredSessions: 50,
    });
    const shelterSystem = await givenClient(t, w.admin, {
      agencyId: w.shelter.id,
      scopes: ['attendance:write', 'enrollments:read'],
    });
    const address = 'Placed at safe house 12 Oak Lane';
    // Each path, as the shelter's system (notes withheld) and its staff (notes shown).
    const paths = async (token: string, tag: string) => {
      const seen: Record<string, unknown> = {};
      const created = await recordAttendance(t, token, shelter.id, {
        notes: address,
        externalId: `ext-${tag}`,
      }).expect(201);
      seen.created = created.body.notes;
      const resent = await recordAttendance(t, token, shelter.id, {
        notes: address,
        externalId: `ext-${tag}`,
      }).expect(200);
      seen.externalIdReplay = resent.body.notes;
      const keyed = () =>
        recordAttendance(t, token, shelter.id, { notes: address }).set(
          'Idempotency-Key',
          `key-${tag}`,
        );
      seen.idempotentFirst = (await keyed().expect(201)).body.notes;
      const replay = await keyed().expect(201).expect('idempotent-replayed', 'true');
      seen.idempotentReplay = replay.body.notes;
      const patchEmpty = await t.http
        .patch(`/api/v1/attendance/${created.body.id}`)
        .auth(token, { type: 'bearer' })
        .set('If-Match', '*')
        .send({})
        .expect(200);
      seen.patchUnchanged = patchEmpty.body.notes;
      const patched = await t.http
        .patch(`/api/v1/attendance/${created.body.id}`)
        .auth(token, { type: 'bearer' })
        .set('If-Match', '*')
        .send({ durationMinutes: 45 })
        .expect(200);
      seen.patchChanged = patched.body.notes;
      const one = await t.http
        .get(`/api/v1/attendance/${created.body.id}`)
        .auth(token, { type: 'bearer' })
        .expect(200);
      seen.get = one.body.notes;
      const list = await t.http
        .get(`/api/v1/milestones/${shelter.id}/attendance`)
        .auth(token, { type: 'bearer' })
        .expect(200);
      seen.list = [
        ...new Set(
          (list.body.items as { notes: string | null }[])
            .filter((item) => item.notes !== null || token === shelterSystem.token)
            .map((item) => item.notes),
        ),
      ];
      const batch = await t.http
        .post('/api/v1/attendance/batch')
        .auth(token, { type: 'bearer' })
        .send({
          records: [
            {
              milestoneId: shelter.id,
              sessionDate: new Date().toISOString().slice(0, 10),
              status: 'present',
              notes: address,
              externalId: `ext-${tag}`,
            },
          ],
        })
        .expect(200);
      seen.batchMentionsNotes = JSON.stringify(batch.body).includes('Oak Lane');
      return seen;
    };
    expect(await paths(shelterSystem.token, 'system')).toEqual({
      created: null,
      externalIdReplay: null,
      idempotentFirst: null,
      idempotentReplay: null,
      patchUnchanged: null,
      patchChanged: null,
      get: null,
      list: [null],
      batchMentionsNotes: false,
    });
    expect(await paths(w.shelterUser.token, 'staff')).toEqual({
      created: address,
      externalIdReplay: address,
      idempotentFirst: address,
      idempotentReplay: address,
      patchUnchanged: address,
      patchChanged: address,
      get: address,
      list: [address],
      batchMentionsNotes: false,
    });
    // The response kept for the Idempotency-Key replay holds the note, but never in clear:
    // a dump, replica or backup of idempotency_keys shows no shelter address.
    const kept = await t.app
      .get(DataSource)
      .query(`SELECT response_body FROM idempotency_keys WHERE key IN ('key-staff', 'key-system')`);
    expect(kept).toHaveLength(2);
    for (const { response_body: body } of kept as { response_body: string }[]) {
      expect(body).toMatch(/^enc:v1:/);
      expect(body).not.toContain('Oak Lane');
    }
    // Stored all along: withheld, not lost.
    const stored = await t.http
      .get(`/api/v1/milestones/${shelter.id}/attendance`)
      .auth(w.shelterUser.token, { type: 'bearer' })
      .expect(200);
    expect(
      (stored.body.items as { notes: string | null }[]).every((item) => item.notes === address),
    ).toBe(true);
  });

  it('keeps treatment and shelter sessions from admins (minimum necessary), but not education', async () => {
    const w = await givenWorld(t);
    const { enrollment } = await givenActiveEnrollment(t, w);
    const plan = {
      mental_health: { provider: w.clinic.id, token: w.clinicUser.token },
      substance_abuse: { provider: w.clinic.id, token: w.clinicUser.token },
      shelter: { provider: w.shelter.id, token: w.shelterUser.token },
      education: { provider: w.school.id, token: w.schoolUser.token },
    };
    const seen: Record<string, string | number | null> = {};
    for (const [category, { provider, token }] of Object.entries(plan)) {
      const milestone = await givenMilestone(t, w, enrollment.id, {
        category,
        providerAgencyId: provider,
        requiredSessions: 5,
      });
      const recorded = await recordAttendance(t, token, milestone.id, {
        notes: `session notes of ${category}`,
      }).expect(201);
      const list = await t.http
        .get(`/api/v1/milestones/${milestone.id}/attendance`)
        .auth(w.admin, { type: 'bearer' });
      const one = await t.http
        .get(`/api/v1/attendance/${recorded.body.id}`)
        .auth(w.admin, { type: 'bearer' });
      expect(one.status).toBe(list.status);
      seen[category] = list.status === 200 ? list.body.items[0].notes : list.status;
      // The coordinator, who runs the case, still reads them.
      const coordinator = await t.http
        .get(`/api/v1/attendance/${recorded.body.id}`)
        .auth(w.coordinator.token, { type: 'bearer' })
        .expect(200);
      expect(coordinator.body.notes).toBe(`session notes of ${category}`);
    }
    // Not found, exactly like a record outside the admin's scope; education in full.
    expect(seen).toEqual({
      mental_health: 404,
      substance_abuse: 404,
      shelter: 404,
      education: 'session notes of education',
    });
  });
});
