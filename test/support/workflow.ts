/**
 * Factories for the program workflow, through the HTTP API exactly as API.md describes it.
 * `givenWorld()` creates the agencies and people of a county; the `given*` helpers create
 * records in the states tests start from.
 */
import {
  adminToken,
  givenAgency,
  GivenAgency,
  givenClient,
  givenUser,
  GivenUser,
} from './factories';
import { rememberSensitive } from './log-capture';
import type { TestApp } from './test-app';

export interface World {
  admin: string;
  da: GivenAgency;
  coordinator: GivenUser;
  police: GivenAgency;
  clinic: GivenAgency; // mental_health + substance_abuse
  shelter: GivenAgency; // shelter
  school: GivenAgency; // education
  clinicUser: GivenUser;
  shelterUser: GivenUser;
  schoolUser: GivenUser;
  court: GivenAgency;
  clerk: GivenUser;
}

export async function givenWorld(t: TestApp): Promise<World> {
  const admin = await adminToken(t);
  const da = await givenAgency(t, admin, { kind: 'district_attorney' });
  const police = await givenAgency(t, admin, { kind: 'law_enforcement' });
  const clinic = await givenAgency(t, admin, {
    kind: 'service_provider',
    services: ['mental_health', 'substance_abuse'],
  });
  const shelter = await givenAgency(t, admin, { kind: 'ngo', services: ['shelter'] });
  const school = await givenAgency(t, admin, { kind: 'service_provider', services: ['education'] });
  const court = await givenAgency(t, admin, { kind: 'court' });
  return {
    admin,
    da,
    police,
    clinic,
    shelter,
    school,
    court,
    coordinator: await givenUser(t, admin, { role: 'coordinator', agencyId: da.id }),
    clinicUser: await givenUser(t, admin, { role: 'provider', agencyId: clinic.id }),
    shelterUser: await givenUser(t, admin, { role: 'provider', agencyId: shelter.id }),
    schoolUser: await givenUser(t, admin, { role: 'provider', agencyId: school.id }),
    clerk: await givenUser(t, admin, { role: 'court', agencyId: court.id }),
  };
}

/** A second district attorney's office with its own coordinator, for cross-agency tests. */
export async function givenOtherCoordinator(t: TestApp, w: World): Promise<GivenUser> {
  const otherDa = await givenAgency(t, w.admin, { kind: 'probation' });
  return givenUser(t, w.admin, { role: 'coordinator', agencyId: otherDa.id });
}

export { givenClient };

const today = () => new Date().toISOString().slice(0, 10);

/** A date of birth that makes the participant `age` years old today. */
export function dateOfBirthForAge(age: number): string {
  const d = new Date();
  d.setUTCFullYear(d.getUTCFullYear() - age);
  d.setUTCDate(d.getUTCDate() - 10);
  return d.toISOString().slice(0, 10);
}

export async function givenParticipant(
  t: TestApp,
  token: string,
  overrides: Record<string, unknown> = {},
) {
  const body = {
    firstName: 'Maria',
    lastName: 'Lopez',
    dateOfBirth: dateOfBirthForAge(15),
    ...overrides,
  };
  rememberSensitive('a participant name', body.firstName);
  rememberSensitive('a participant name', body.lastName);
  rememberSensitive('a date of birth', body.dateOfBirth);
  const res = await t.http
    .post('/api/v1/participants')
    .auth(token, { type: 'bearer' })
    .send(body)
    .expect(201);
  return res.body as { id: string; caseNumber: string };
}

let booking = 0;
export async function givenArrestRecord(
  t: TestApp,
  token: string,
  participantId: string,
  arrestingAgencyId: string,
  overrides: Record<string, unknown> = {},
) {
  const res = await t.http
    .post(`/api/v1/participants/${participantId}/arrest-records`)
    .auth(token, { type: 'bearer' })
    .send({
      arrestingAgencyId,
      bookingNumber: `BK-${process.pid}-${++booking}-${Date.now()}`,
      arrestedAt: new Date(Date.now() - 3 * 86400_000).toISOString(),
      charges: [{ code: 'PC 372', description: 'Public nuisance' }],
      ...overrides,
    })
    .expect(201);
  return res.body as { id: string; status: string };
}

/** What an enrollment is opened for: an existing participant (and arrest record), else new ones. */
export interface EnrollmentOf {
  participant?: { id: string; caseNumber: string };
  arrest?: { id: string; status: string };
}

export async function givenEnrollment(
  t: TestApp,
  w: World,
  overrides: Record<string, unknown> = {},
  of: EnrollmentOf = {},
) {
  const participant = of.participant ?? (await givenParticipant(t, w.coordinator.token));
  const arrest =
    of.arrest ?? (await givenArrestRecord(t, w.coordinator.token, participant.id, w.police.id));
  const res = await t.http
    .post('/api/v1/enrollments')
    .auth(w.coordinator.token, { type: 'bearer' })
    .send({
      participantId: participant.id,
      arrestRecordId: arrest.id,
      site: 'Compton',
      startDate: today(),
      ...overrides,
    })
    .expect(201);
  return {
    participant,
    arrest,
    enrollment: res.body as {
      id: string;
      status: string;
      startDate: string;
      scheduledEndDate: string;
    },
  };
}

export async function recordConsent(
  t: TestApp,
  token: string,
  enrollmentId: string,
  body: Record<string, unknown> = {},
) {
  const consent = {
    kind: 'participation',
    signedBy: 'Maria Lopez',
    signedAt: new Date().toISOString(),
    ...body,
  };
  rememberSensitive('a signatory name', consent.signedBy);
  const res = await t.http
    .post(`/api/v1/enrollments/${enrollmentId}/consents`)
    .auth(token, { type: 'bearer' })
    .send(consent)
    .expect(201);
  return res.body as { id: string };
}

export async function givenActiveEnrollment(t: TestApp, w: World, of: EnrollmentOf = {}) {
  const created = await givenEnrollment(t, w, {}, of);
  await recordConsent(t, w.coordinator.token, created.enrollment.id);
  return created;
}

export async function givenMilestone(
  t: TestApp,
  w: World,
  enrollmentId: string,
  body: { category: string; providerAgencyId: string; requiredSessions: number },
) {
  const res = await t.http
    .post(`/api/v1/enrollments/${enrollmentId}/milestones`)
    .auth(w.coordinator.token, { type: 'bearer' })
    .send(body)
    .expect(201);
  return res.body as { id: string; status: string; attendedSessions: number };
}

export function recordAttendance(
  t: TestApp,
  providerToken: string,
  milestoneId: string,
  body: Record<string, unknown> = {},
) {
  rememberSensitive('a session note', body.notes);
  return t.http
    .post(`/api/v1/milestones/${milestoneId}/attendance`)
    .auth(providerToken, { type: 'bearer' })
    .send({ sessionDate: today(), status: 'present', ...body });
}

/**
 * `count` sessions attended (`present`, today) of a milestone, recorded by its provider in one
 * batch, as a provider's system would send them.
 */
export async function attendSessions(
  t: TestApp,
  providerToken: string,
  milestoneId: string,
  count: number,
) {
  const res = await t.http
    .post('/api/v1/attendance/batch')
    .auth(providerToken, { type: 'bearer' })
    .send({
      records: Array.from({ length: count }, () => ({
        milestoneId,
        sessionDate: today(),
        status: 'present',
      })),
    })
    .expect(200);
  expect(res.body).toMatchObject({ accepted: count, rejected: [] });
}

/**
 * An active enrollment with one met mental-health milestone (1 session), submitted for court
 * review to the world's court (or `courtAgencyId`).
 */
export async function givenEnrollmentPendingReview(
  t: TestApp,
  w: World,
  of: EnrollmentOf = {},
  courtAgencyId: string = w.court.id,
) {
  const created = await givenActiveEnrollment(t, w, of);
  const milestone = await givenMilestone(t, w, created.enrollment.id, {
    category: 'mental_health',
    providerAgencyId: w.clinic.id,
    requiredSessions: 1,
  });
  await recordAttendance(t, w.clinicUser.token, milestone.id).expect(201);
  await t.http
    .post(`/api/v1/enrollments/${created.enrollment.id}/submit-for-review`)
    .auth(w.coordinator.token, { type: 'bearer' })
    .send({ courtAgencyId })
    .expect(200);
  return { ...created, milestone };
}

/** An enrollment the court confirmed: completed, its arrest record sealed, a notice sent to the police. */
export async function givenCompletedEnrollment(t: TestApp, w: World, of: EnrollmentOf = {}) {
  const created = await givenEnrollmentPendingReview(t, w, of);
  await t.http
    .post(`/api/v1/enrollments/${created.enrollment.id}/completion`)
    .auth(w.clerk.token, { type: 'bearer' })
    .send({ decision: 'confirmed', courtOrderNumber: 'JV-TEST-1' })
    .expect(200);
  return created;
}
