import { givenClient } from './support/factories';
import { eventually } from './support/webhook-receiver';
import { startTestApp, TestApp } from './support/test-app';
import { givenActiveEnrollment, givenMilestone, givenWorld } from './support/workflow';

/**
 * Side channels to agencies that may know only "met / not met" of another provider's
 * milestone (red team finding M3). The ETag, status and court-queue channels are tested with
 * their routes (milestones, enrollments-reading, court).
 */
describe('minimum necessary: no side channel reveals another provider’s treatment', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('?providerAgencyId= matches only milestones whose provider the caller may see', async () => {
    const w = await givenWorld(t);
    const { enrollment } = await givenActiveEnrollment(t, w);
    await givenMilestone(t, w, enrollment.id, {
      category: 'substance_abuse',
      providerAgencyId: w.clinic.id,
      requiredSessions: 3,
    });
    await givenMilestone(t, w, enrollment.id, {
      category: 'education',
      providerAgencyId: w.school.id,
      requiredSessions: 3,
    });
    const ids = async (token: string, providerAgencyId: string) =>
      (
        await t.http
          .get(`/api/v1/enrollments?providerAgencyId=${providerAgencyId}&limit=500`)
          .auth(token, { type: 'bearer' })
          .expect(200)
      ).body.items.map((item: { id: string }) => item.id);
    // The school sees the enrollment (it holds a milestone), but cannot learn the clinic.
    expect(await ids(w.schoolUser.token, w.school.id)).toContain(enrollment.id);
    expect(await ids(w.schoolUser.token, w.clinic.id)).not.toContain(enrollment.id);
    // Admins see no treatment details either; the coordinator and the clinic do.
    expect(await ids(w.admin, w.clinic.id)).not.toContain(enrollment.id);
    expect(await ids(w.coordinator.token, w.clinic.id)).toContain(enrollment.id);
    expect(await ids(w.clinicUser.token, w.clinic.id)).toContain(enrollment.id);
  });

  it('milestone.created (provider, sessions) reaches only agencies that may see the details', async () => {
    const w = await givenWorld(t);
    const school = await givenClient(t, w.admin, {
      agencyId: w.school.id,
      scopes: ['events:read'],
    });
    const clinic = await givenClient(t, w.admin, {
      agencyId: w.clinic.id,
      scopes: ['events:read'],
    });
    const { enrollment } = await givenActiveEnrollment(t, w);
    const treatment = await givenMilestone(t, w, enrollment.id, {
      category: 'substance_abuse',
      providerAgencyId: w.clinic.id,
      requiredSessions: 3,
    });
    const education = await givenMilestone(t, w, enrollment.id, {
      category: 'education',
      providerAgencyId: w.school.id,
      requiredSessions: 3,
    });
    const created = async (token: string) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      for (;;) {
        const res = await t.http
          .get(
            `/api/v1/events?types=milestone.created&limit=500${cursor ? `&after=${cursor}` : ''}`,
          )
          .auth(token, { type: 'bearer' })
          .expect(200);
        const items = res.body.items as { data: { milestoneId: string } }[];
        seen.push(...items.map((item) => item.data.milestoneId));
        if (items.length === 0) return seen;
        cursor = res.body.nextCursor as string;
      }
    };
    // The feed serves events below the commit horizon: wait until the school's own one is there.
    await eventually(async () => expect(await created(school.token)).toContain(education.id));
    await eventually(async () => expect(await created(clinic.token)).toContain(treatment.id));
    expect(await created(school.token)).not.toContain(treatment.id);
  });
});
