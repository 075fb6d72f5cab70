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
