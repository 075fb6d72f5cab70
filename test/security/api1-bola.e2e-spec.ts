/**
 * OWASP API1:2023 Broken Object Level Authorization, on every route that names a resource by
 * id (generated from Nest's route table: a new `/:id` route fails the first test until it is
 * listed below, with how to call it or why it is left out).
 *
 * Two counties, A and B, each with every kind of record (participant, arrest record,
 * enrollment, consent, milestone, attendance, court review, sealing notice, webhook
 * subscription and delivery). A caller of B, with the role or scopes the route accepts and
 * that works on B's own record (the control), sends A's ids: every read and every write
 * answers 404 exactly like an unknown id, and the database is unchanged.
 */
import { DataSource } from 'typeorm';
import { adminToken, givenClient, GivenClient } from '../support/factories';
import { databaseSnapshot } from '../support/db-snapshot';
import { givenPendingDelivery } from '../support/outbox';
import { Route, routesOf } from '../support/routes';
import { startTestApp, TestApp } from '../support/test-app';
import {
  givenActiveEnrollment,
  givenCompletedEnrollment,
  givenEnrollmentPendingReview,
  givenMilestone,
  givenWorld,
  recordAttendance,
  recordConsent,
  World,
} from '../support/workflow';

const v1 = '/api/v1';

/**
 * `/:id` routes left out, each a reviewed decision: they belong to the program's administration,
 * which is not divided by agency (API.md: the admin administers every agency; the audit trail is
 * one program-wide log), so there is no "other agency" whose ids could be sent.
 */
const EXCLUDED: Record<string, string> = {
  [`GET ${v1}/users/:id`]: 'admin only: accounts of every agency are the admin’s to manage',
  [`PATCH ${v1}/users/:id`]: 'admin only: accounts of every agency are the admin’s to manage',
  [`GET ${v1}/api-clients/:id`]: 'admin only: clients of every agency are the admin’s to manage',
  [`POST ${v1}/api-clients/:id/revoke`]: 'admin only, like every api-client route',
  [`POST ${v1}/api-clients/:id/rotate-secret`]: 'admin only, like every api-client route',
  [`GET ${v1}/programs/:id`]: 'admin only: the program settings are county-wide',
  [`PATCH ${v1}/programs/:id`]: 'admin only: the program settings are county-wide',
  [`GET ${v1}/audit-events/:id/inclusion`]:
    'auditor/admin: one program-wide audit log, not divided by agency',
};

/** One county's people and records. */
interface County {
  w: World;
  partner: GivenClient; // the police's system: webhooks and sealing acknowledgements
  active: Awaited<ReturnType<typeof givenActiveEnrollment>>;
  consentId: string;
  milestoneId: string;
  attendanceId: string;
  review: Awaited<ReturnType<typeof givenEnrollmentPendingReview>>;
  completed: Awaited<ReturnType<typeof givenCompletedEnrollment>>;
  noticeId: string;
  subscriptionId: string;
  deliveryId: string;
}

interface Call {
  token: string;
  url: string;
  body?: object;
}

/** How to call each route: `by`'s caller, naming `of`'s record. */
const CALLS: Record<string, (by: County, of: County) => Call> = {
  [`GET ${v1}/participants/:id`]: (by, of) => ({
    token: by.w.coordinator.token,
    url: `${v1}/participants/${of.active.participant.id}`,
  }),
  [`PATCH ${v1}/participants/:id`]: (by, of) => ({
    token: by.w.coordinator.token,
    url: `${v1}/participants/${of.active.participant.id}`,
    body: { firstName: 'Renamed' },
  }),
  [`POST ${v1}/participants/:id/arrest-records`]: (by, of) => ({
    token: by.w.coordinator.token,
    url: `${v1}/participants/${of.active.participant.id}/arrest-records`,
    body: {
      arrestingAgencyId: by.w.police.id,
      bookingNumber: `BK-BOLA-${Date.now()}-${Math.random()}`,
      arrestedAt: new Date(Date.now() - 86400_000).toISOString(),
      charges: [{ code: 'PC 372' }],
    },
  }),
  [`GET ${v1}/participants/:id/arrest-records`]: (by, of) => ({
    token: by.w.coordinator.token,
    url: `${v1}/participants/${of.active.participant.id}/arrest-records`,
  }),
  [`GET ${v1}/arrest-records/:id`]: (by, of) => ({
    token: by.w.coordinator.token,
    url: `${v1}/arrest-records/${of.active.arrest.id}`,
  }),
  [`GET ${v1}/enrollments/:id`]: (by, of) => ({
    token: by.w.coordinator.token,
    url: `${v1}/enrollments/${of.active.enrollment.id}`,
  }),
  [`POST ${v1}/enrollments/:id/extend`]: (by, of) => ({
    token: by.w.coordinator.token,
    url: `${v1}/enrollments/${of.active.enrollment.id}/extend`,
    body: { days: 3, reason: 'A reason' },
  }),
  [`POST ${v1}/enrollments/:id/withdraw`]: (by, of) => ({
    token: by.w.coordinator.token,
    url: `${v1}/enrollments/${of.active.enrollment.id}/withdraw`,
    body: { reason: 'A reason' },
  }),
  [`POST ${v1}/enrollments/:id/terminate`]: (by, of) => ({
    token: by.w.coordinator.token,
    url: `${v1}/enrollments/${of.active.enrollment.id}/terminate`,
    body: { reason: 'A reason' },
  }),
  [`POST ${v1}/enrollments/:id/assign`]: (by, of) => ({
    token: by.w.coordinator.token,
    url: `${v1}/enrollments/${of.active.enrollment.id}/assign`,
    body: { coordinatorId: by.w.coordinator.id },
  }),
  [`POST ${v1}/enrollments/:id/submit-for-review`]: (by, of) => ({
    token: by.w.coordinator.token,
    url: `${v1}/enrollments/${of.active.enrollment.id}/submit-for-review`,
    body: { courtAgencyId: by.w.court.id },
  }),
  [`POST ${v1}/enrollments/:id/consents`]: (by, of) => ({
    token: by.w.coordinator.token,
    url: `${v1}/enrollments/${of.active.enrollment.id}/consents`,
    body: { kind: 'guardian', signedBy: 'Rosa', signedAt: new Date().toISOString() },
  }),
  [`POST ${v1}/consents/:id/revoke`]: (by, of) => ({
    token: by.w.coordinator.token,
    url: `${v1}/consents/${of.consentId}/revoke`,
    body: { reason: 'A reason' },
  }),
  [`POST ${v1}/enrollments/:id/milestones`]: (by, of) => ({
    token: by.w.coordinator.token,
    url: `${v1}/enrollments/${of.active.enrollment.id}/milestones`,
    body: { category: 'shelter', providerAgencyId: by.w.shelter.id, requiredSessions: 2 },
  }),
  [`GET ${v1}/milestones/:id`]: (by, of) => ({
    token: by.w.coordinator.token,
    url: `${v1}/milestones/${of.milestoneId}`,
  }),
  [`PATCH ${v1}/milestones/:id`]: (by, of) => ({
    token: by.w.coordinator.token,
    url: `${v1}/milestones/${of.milestoneId}`,
    body: { requiredSessions: 4, reason: 'A reason' },
  }),
  [`DELETE ${v1}/milestones/:id`]: (by, of) => ({
    token: by.w.coordinator.token,
    url: `${v1}/milestones/${of.milestoneId}?reason=x`,
  }),
  [`POST ${v1}/milestones/:id/attendance`]: (by, of) => ({
    token: by.w.clinicUser.token,
    url: `${v1}/milestones/${of.milestoneId}/attendance`,
    body: { sessionDate: new Date().toISOString().slice(0, 10), status: 'present' },
  }),
  [`GET ${v1}/milestones/:id/attendance`]: (by, of) => ({
    token: by.w.clinicUser.token,
    url: `${v1}/milestones/${of.milestoneId}/attendance`,
  }),
  [`GET ${v1}/attendance/:id`]: (by, of) => ({
    token: by.w.clinicUser.token,
    url: `${v1}/attendance/${of.attendanceId}`,
  }),
  [`PATCH ${v1}/attendance/:id`]: (by, of) => ({
    token: by.w.clinicUser.token,
    url: `${v1}/attendance/${of.attendanceId}`,
    body: { status: 'absent' },
  }),
  [`POST ${v1}/attendance/:id/void`]: (by, of) => ({
    token: by.w.clinicUser.token,
    url: `${v1}/attendance/${of.attendanceId}/void`,
    body: { reason: 'A reason' },
  }),
  [`POST ${v1}/enrollments/:id/completion`]: (by, of) => ({
    token: by.w.clerk.token,
    url: `${v1}/enrollments/${of.review.enrollment.id}/completion`,
    body: { decision: 'confirmed', courtOrderNumber: 'JV-BOLA-1' },
  }),
  [`GET ${v1}/enrollments/:id/sealing-status`]: (by, of) => ({
    token: by.w.coordinator.token,
    url: `${v1}/enrollments/${of.completed.enrollment.id}/sealing-status`,
  }),
  [`POST ${v1}/enrollments/:id/minor-notification`]: (by, of) => ({
    token: by.w.coordinator.token,
    url: `${v1}/enrollments/${of.completed.enrollment.id}/minor-notification`,
    body: { notifiedAt: new Date().toISOString(), method: 'mail' },
  }),
  [`POST ${v1}/sealing-notices/:id/ack`]: (by, of) => ({
    token: by.partner.token,
    url: `${v1}/sealing-notices/${of.noticeId}/ack`,
    body: { reference: 'R-1' },
  }),
  [`POST ${v1}/webhook-subscriptions/:id/rotate-secret`]: (by, of) => ({
    token: by.partner.token,
    url: `${v1}/webhook-subscriptions/${of.subscriptionId}/rotate-secret`,
  }),
  [`GET ${v1}/webhook-subscriptions/:id/deliveries`]: (by, of) => ({
    token: by.partner.token,
    url: `${v1}/webhook-subscriptions/${of.subscriptionId}/deliveries`,
  }),
  [`POST ${v1}/webhook-subscriptions/:id/deliveries/:deliveryId/retry`]: (by, of) => ({
    token: by.partner.token,
    url: `${v1}/webhook-subscriptions/${of.subscriptionId}/deliveries/${of.deliveryId}/retry`,
  }),
  [`DELETE ${v1}/webhook-subscriptions/:id`]: (by, of) => ({
    token: by.partner.token,
    url: `${v1}/webhook-subscriptions/${of.subscriptionId}`,
  }),
};

async function givenCounty(t: TestApp): Promise<County> {
  const w = await givenWorld(t);
  const partner = await givenClient(t, w.admin, {
    agencyId: w.police.id,
    scopes: ['webhooks:manage', 'sealing:ack'],
  });
  const subscriptionId = (
    (
      await t.http
        .post(`${v1}/webhook-subscriptions`)
        .auth(partner.token, { type: 'bearer' })
        .send({ url: 'http://127.0.0.1:9/hooks', events: ['arrest_record.sealed'] })
        .expect(201)
    ).body as { id: string }
  ).id;
  const active = await givenActiveEnrollment(t, w);
  const consentId = (
    await recordConsent(t, w.coordinator.token, active.enrollment.id, {
      kind: 'information_sharing',
      serviceCategory: 'mental_health',
      recipientAgencyId: w.clinic.id,
    })
  ).id;
  const milestoneId = (
    await givenMilestone(t, w, active.enrollment.id, {
      category: 'mental_health',
      providerAgencyId: w.clinic.id,
      requiredSessions: 3,
    })
  ).id;
  const attendanceId = (
    (await recordAttendance(t, w.clinicUser.token, milestoneId).expect(201)).body as {
      id: string;
    }
  ).id;
  const review = await givenEnrollmentPendingReview(t, w);
  const completed = await givenCompletedEnrollment(t, w);
  const notices = await t.http
    .get(`${v1}/sealing-notices`)
    .auth(partner.token, { type: 'bearer' })
    .expect(200);
  const noticeId = (notices.body.items as { id: string; enrollmentId: string }[]).find(
    (n) => n.enrollmentId === completed.enrollment.id,
  )!.id;
  // One delivery of this county's subscription (fanned out, never sent: no delivery job here).
  const deliveryId = await givenPendingDelivery(t, {
    agencyId: w.police.id,
    arrestRecordId: completed.arrest.id,
    subscriptionId,
    ownerToken: partner.token,
  });
  return {
    w,
    partner,
    active,
    consentId,
    milestoneId,
    attendanceId,
    review,
    completed,
    noticeId,
    subscriptionId,
    deliveryId,
  };
}

describe('API1 BOLA: every /:id route, across two counties', () => {
  let t: TestApp;
  let routes: Route[];
  let a: County;
  let b: County;

  beforeAll(async () => {
    t = await startTestApp({ WEBHOOK_ALLOW_PRIVATE: 'true' });
    routes = routesOf(t).filter((r) => r.path.includes('/:'));
    await adminToken(t);
    a = await givenCounty(t);
    b = await givenCounty(t);
    // Two counties of every kind of record: about a hundred requests on a loaded machine.
  }, 180_000);
  afterAll(() => t.close());

  const send = (method: string, call: Call) => {
    const verb = method.toLowerCase() as 'get' | 'post' | 'patch' | 'delete';
    const req = t.http[verb](call.url).auth(call.token, { type: 'bearer' });
    // The strongest precondition: a stale or guessed ETag must not be what stops the caller.
    if (method !== 'GET') void req.set('If-Match', '*');
    return call.body ? req.send(call.body) : req.send();
  };
  const methodOf = (name: string) => name.split(' ')[0];

  it('knows how to call every /:id route, or why it is left out', () => {
    const unknown = routes
      .map((r) => r.name)
      .filter((name) => !(name in CALLS) && !(name in EXCLUDED));
    expect(unknown).toEqual([]);
    // Nothing listed that the router no longer has.
    const names = new Set(routes.map((r) => r.name));
    expect([...Object.keys(CALLS), ...Object.keys(EXCLUDED)].filter((n) => !names.has(n))).toEqual(
      [],
    );
  });

  it('answers 404 to B’s caller for A’s ids, reads and writes, and changes nothing', async () => {
    const db = t.app.get(DataSource);
    const before = await databaseSnapshot(db);
    const answers: string[] = [];
    for (const [name, call] of Object.entries(CALLS)) {
      const res = await send(methodOf(name), call(b, a));
      if (res.status !== 404 || res.body?.type !== 'urn:problem-type:first-step:not-found') {
        answers.push(`${name} -> ${res.status} ${res.body?.type ?? ''}`);
      }
    }
    expect(answers).toEqual([]);
    expect(await databaseSnapshot(db)).toEqual(before);
  });

  it('answers A’s own callers as before: A’s records are intact (re-read by A)', async () => {
    for (const url of [
      `${v1}/participants/${a.active.participant.id}`,
      `${v1}/enrollments/${a.active.enrollment.id}`,
      `${v1}/milestones/${a.milestoneId}`,
    ]) {
      await t.http.get(url).auth(a.w.coordinator.token, { type: 'bearer' }).expect(200);
    }
    const res = await t.http
      .get(`${v1}/enrollments/${a.active.enrollment.id}`)
      .auth(a.w.coordinator.token, { type: 'bearer' })
      .expect(200);
    expect(res.body.status).toBe('active');
  });

  it('control: the same callers reach B’s own records (not 404, 401 or 403)', async () => {
    // Reads first and deletions last, so no control removes what a later one needs.
    const order = (name: string) => ({ GET: 0, DELETE: 2 })[methodOf(name)] ?? 1;
    const names = Object.keys(CALLS).sort((x, y) => order(x) - order(y));
    const answers: string[] = [];
    for (const name of names) {
      const res = await send(methodOf(name), CALLS[name](b, b));
      if ([401, 403, 404].includes(res.status)) answers.push(`${name} -> ${res.status}`);
    }
    expect(answers).toEqual([]);
  });
});
