import { expectStatus, signIn } from './http';

/**
 * The embedded database cannot be loaded with COPY from outside the app (PGlite lives inside
 * the app's process), so it is seeded through the API, as a county would use it: agencies,
 * a coordinator and a provider, then participants with arrest records, enrollments activated
 * by consent, a milestone each and a few sessions.
 */
export async function seedThroughApi(
  base: string,
  admin: { email: string; password: string },
  enrollments: number,
): Promise<{ providerToken: string; enrollmentIds: string[] }> {
  const adminToken = await signIn(base, admin.email, admin.password);
  const agency = (name: string, kind: string, services: string[] = []) =>
    expectStatus<{ id: string }>(201, base, 'POST', '/api/v1/agencies', {
      token: adminToken,
      body: { name, kind, services },
    });
  const da = await agency('Bench District Attorney', 'district_attorney');
  const police = await agency('Bench Police Department', 'law_enforcement');
  const clinic = await agency('Bench Youth Services', 'service_provider', [
    'mental_health',
    'substance_abuse',
    'education',
    'shelter',
  ]);
  const password = 'bench-embedded-password-1';
  const user = async (email: string, role: string, agencyId: string) => {
    await expectStatus(201, base, 'POST', '/api/v1/users', {
      token: adminToken,
      body: { email, displayName: 'Bench Person', role, agencyId, password },
    });
    return signIn(base, email, password);
  };
  const coordinator = await user('coordinator@bench-da.test', 'coordinator', da.id);
  const providerToken = await user('provider@bench-clinic.test', 'provider', clinic.id);

  const today = new Date();
  const daysAgo = (n: number) =>
    new Date(today.getTime() - n * 86_400_000).toISOString().slice(0, 10);
  const enrollmentIds: string[] = [];
  const milestoneIds: string[] = [];
  for (let i = 0; i < enrollments; i++) {
    const participant = await expectStatus<{ id: string }>(
      201,
      base,
      'POST',
      '/api/v1/participants',
      {
        token: coordinator,
        body: { firstName: `Ana${i}`, lastName: 'García', dateOfBirth: daysAgo(15 * 365 + i) },
      },
    );
    const arrest = await expectStatus<{ id: string }>(
      201,
      base,
      'POST',
      `/api/v1/participants/${participant.id}/arrest-records`,
      {
        token: coordinator,
        body: {
          arrestingAgencyId: police.id,
          bookingNumber: `BENCH-${i}`,
          arrestedAt: `${daysAgo(30)}T22:15:00-08:00`,
          charges: [{ code: 'PC 602', description: 'Trespass' }],
        },
      },
    );
    const enrollment = await expectStatus<{ id: string }>(
      201,
      base,
      'POST',
      '/api/v1/enrollments',
      {
        token: coordinator,
        body: {
          participantId: participant.id,
          arrestRecordId: arrest.id,
          site: 'Compton',
          startDate: daysAgo(20),
        },
      },
    );
    await expectStatus(201, base, 'POST', `/api/v1/enrollments/${enrollment.id}/consents`, {
      token: coordinator,
      body: {
        kind: 'participation',
        signedBy: `Ana${i} García`,
        signedAt: new Date().toISOString(),
      },
    });
    const milestone = await expectStatus<{ id: string }>(
      201,
      base,
      'POST',
      `/api/v1/enrollments/${enrollment.id}/milestones`,
      {
        token: coordinator,
        body: { category: 'mental_health', providerAgencyId: clinic.id, requiredSessions: 8 },
      },
    );
    enrollmentIds.push(enrollment.id);
    milestoneIds.push(milestone.id);
  }
  const records = milestoneIds.flatMap((milestoneId, i) =>
    [1, 4, 8, 12, 15].map((day) => ({
      milestoneId,
      sessionDate: daysAgo(day),
      status: 'present',
      externalId: `bench-${i}-${day}`,
    })),
  );
  await expectStatus(200, base, 'POST', '/api/v1/attendance/batch', {
    token: providerToken,
    body: { records },
  });
  return { providerToken, enrollmentIds };
}
