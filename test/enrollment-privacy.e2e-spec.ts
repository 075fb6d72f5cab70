import { startTestApp, TestApp } from './support/test-app';
import { givenActiveEnrollment, givenMilestone, givenWorld } from './support/workflow';

describe('what an enrollment view tells agencies other than its owner', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('shows extension reasons (possibly medical) to the owning agency only', async () => {
    const w = await givenWorld(t);
    const { enrollment } = await givenActiveEnrollment(t, w);
    await givenMilestone(t, w, enrollment.id, {
      category: 'education',
      providerAgencyId: w.school.id,
      requiredSessions: 2,
    });
    await t.http
      .post(`/api/v1/enrollments/${enrollment.id}/extend`)
      .auth(w.coordinator.token, { type: 'bearer' })
      .send({ days: 10, reason: 'Hospitalised after an overdose' })
      .expect(200);
    const view = async (token: string) =>
      (
        await t.http
          .get(`/api/v1/enrollments/${enrollment.id}`)
          .auth(token, { type: 'bearer' })
          .expect(200)
      ).body as { extensions: { days: number; reason: string | null }[] };

    expect((await view(w.coordinator.token)).extensions).toEqual([
      expect.objectContaining({ days: 10, reason: 'Hospitalised after an overdose' }),
    ]);
    const forSchool = await view(w.schoolUser.token);
    expect(forSchool.extensions).toEqual([expect.objectContaining({ days: 10, reason: null })]);
    expect(JSON.stringify(forSchool)).not.toContain('overdose');
  });
});
