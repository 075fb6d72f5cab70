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
});
