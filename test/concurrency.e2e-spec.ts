/**
 * Concurrency everywhere (API.md "Concurrency"), checked by walking Nest's route table, so a
 * new route cannot forget it:
 * - every single-resource GET (a path parameter, not a list) sends a strong ETag;
 * - every state-changing route on a resource (POST, PATCH, DELETE with a path parameter) reads
 *   `If-Match` and refuses a stale one with 412, changing nothing;
 * - every PATCH requires it: 428 without.
 * Each route must be in the tables below (how to call it): the test fails for one that is not.
 */
import { givenUser } from './support/factories';
import { givenPendingDelivery } from './support/outbox';
import { auditSettled } from './support/audit';
import { Route, routesOf } from './support/routes';
import { startTestApp, TestApp } from './support/test-app';
import {
  givenActiveEnrollment,
  givenClient,
  givenCompletedEnrollment,
  givenEnrollmentPendingReview,
  givenMilestone,
  givenWorld,
  recordAttendance,
  recordConsent,
  World,
} from './support/workflow';

const STALE = '"stale-0"';
const hasParam = (route: Route) => route.path.includes('/:');

interface Call {
  token: string;
  url: string;
  body?: object;
}

describe('concurrency on every route: ETags and If-Match', () => {
  let t: TestApp;
  let w: World;
  let routes: Route[];
  let gets: Record<string, Call>;
  let changes: Record<string, Call>;

  beforeAll(async () => {
    t = await startTestApp({ WEBHOOK_ALLOW_PRIVATE: 'true' });
    routes = routesOf(t);
    w = await givenWorld(t);
    const v1 = '/api/v1';
    const auditor = await givenUser(t, w.admin, { role: 'auditor', agencyId: w.da.id });
    const partner = await givenClient(t, w.admin, {
      agencyId: w.police.id,
      scopes: ['webhooks:manage', 'sealing:ack'],
    });
    const active = await givenActiveEnrollment(t, w);
    const milestone = await givenMilestone(t, w, active.enrollment.id, {
      category: 'education',
      providerAgencyId: w.school.id,
      requiredSessions: 3,
    });
    const attendance = (await recordAttendance(t, w.schoolUser.token, milestone.id).expect(201))
      .body as { id: string };
    const consent = await recordConsent(t, w.coordinator.token, active.enrollment.id, {
      kind: 'information_sharing',
      serviceCategory: 'education',
      recipientAgencyId: w.clinic.id,
    });
    const review = await givenEnrollmentPendingReview(t, w);
    const completed = await givenCompletedEnrollment(t, w);
    const notices = await t.http
      .get(`${v1}/sealing-notices`)
      .auth(partner.token, { type: 'bearer' })
      .expect(200);
    const notice = (notices.body.items as { id: string; enrollmentId: string }[]).find(
      (n) => n.enrollmentId === completed.enrollment.id,
    )!;
    const subscription = (
      await t.http
        .post(`${v1}/webhook-subscriptions`)
        .auth(partner.token, { type: 'bearer' })
        .send({ url: 'http://127.0.0.1:9/hooks', events: ['arrest_record.sealed'] })
        .expect(201)
    ).body as { id: string };
    // One delivery to retry (never sent: the delivery job does not run here).
    const deliveryId = await givenPendingDelivery(t, {
      agencyId: w.police.id,
      arrestRecordId: completed.arrest.id,
      subscriptionId: subscription.id,
      ownerToken: partner.token,
    });
    const programs = await t.http
      .get(`${v1}/programs`)
      .auth(w.admin, { type: 'bearer' })
      .expect(200);
    const programId = (programs.body.items as { id: string }[])[0].id;
    await auditSettled(t);
    const entries = await t.http
      .get(`${v1}/audit-events?limit=1`)
      .auth(auditor.token, { type: 'bearer' })
      .expect(200);
    const entry = (entries.body.items as { id: string }[])[0];
    const a = active.enrollment.id;

    gets = {
      [`GET ${v1}/participants/:id`]: {
        token: w.coordinator.token,
        url: `${v1}/participants/${active.participant.id}`,
      },
      [`GET ${v1}/arrest-records/:id`]: {
        token: w.coordinator.token,
        url: `${v1}/arrest-records/${active.arrest.id}`,
      },
      [`GET ${v1}/enrollments/:id`]: { token: w.coordinator.token, url: `${v1}/enrollments/${a}` },
      [`GET ${v1}/enrollments/:id/sealing-status`]: {
        token: w.coordinator.token,
        url: `${v1}/enrollments/${completed.enrollment.id}/sealing-status`,
      },
      [`GET ${v1}/milestones/:id`]: {
        token: w.coordinator.token,
        url: `${v1}/milestones/${milestone.id}`,
      },
      [`GET ${v1}/attendance/:id`]: {
        token: w.schoolUser.token,
        url: `${v1}/attendance/${attendance.id}`,
      },
      [`GET ${v1}/users/:id`]: { token: w.admin, url: `${v1}/users/${w.coordinator.id}` },
      [`GET ${v1}/api-clients/:id`]: { token: w.admin, url: `${v1}/api-clients/${partner.id}` },
      [`GET ${v1}/programs/:id`]: { token: w.admin, url: `${v1}/programs/${programId}` },
      [`GET ${v1}/audit-events/:id/inclusion`]: {
        token: auditor.token,
        url: `${v1}/audit-events/${entry.id}/inclusion`,
      },
    };

    const reason = { reason: 'A reason' };
    changes = {
      [`PATCH ${v1}/participants/:id`]: {
        token: w.coordinator.token,
        url: `${v1}/participants/${active.participant.id}`,
        body: { firstName: 'Ana' },
      },
      [`PATCH ${v1}/milestones/:id`]: {
        token: w.coordinator.token,
        url: `${v1}/milestones/${milestone.id}`,
        body: { requiredSessions: 2, ...reason },
      },
      [`PATCH ${v1}/attendance/:id`]: {
        token: w.schoolUser.token,
        url: `${v1}/attendance/${attendance.id}`,
        body: { status: 'absent' },
      },
      [`PATCH ${v1}/users/:id`]: {
        token: w.admin,
        url: `${v1}/users/${w.schoolUser.id}`,
        body: { displayName: 'Renamed' },
      },
      [`PATCH ${v1}/programs/:id`]: {
        token: w.admin,
        url: `${v1}/programs/${programId}`,
        body: { retentionYears: 7 },
      },
      [`POST ${v1}/participants/:id/arrest-records`]: {
        token: w.coordinator.token,
        url: `${v1}/participants/${active.participant.id}/arrest-records`,
        body: {
          arrestingAgencyId: w.police.id,
          bookingNumber: `BK-CONC-${Date.now()}`,
          arrestedAt: new Date(Date.now() - 86400_000).toISOString(),
          charges: [{ code: 'PC 372' }],
        },
      },
      [`POST ${v1}/enrollments/:id/consents`]: {
        token: w.coordinator.token,
        url: `${v1}/enrollments/${a}/consents`,
        body: { kind: 'guardian', signedBy: 'Rosa', signedAt: new Date().toISOString() },
      },
      [`POST ${v1}/consents/:id/revoke`]: {
        token: w.coordinator.token,
        url: `${v1}/consents/${consent.id}/revoke`,
        body: reason,
      },
      [`POST ${v1}/enrollments/:id/extend`]: {
        token: w.coordinator.token,
        url: `${v1}/enrollments/${a}/extend`,
        body: { days: 3, ...reason },
      },
      [`POST ${v1}/enrollments/:id/withdraw`]: {
        token: w.coordinator.token,
        url: `${v1}/enrollments/${a}/withdraw`,
        body: reason,
      },
      [`POST ${v1}/enrollments/:id/terminate`]: {
        token: w.coordinator.token,
        url: `${v1}/enrollments/${a}/terminate`,
        body: reason,
      },
      [`POST ${v1}/enrollments/:id/assign`]: {
        token: w.coordinator.token,
        url: `${v1}/enrollments/${a}/assign`,
        body: { coordinatorId: w.coordinator.id },
      },
      [`POST ${v1}/enrollments/:id/submit-for-review`]: {
        token: w.coordinator.token,
        url: `${v1}/enrollments/${a}/submit-for-review`,
        body: { courtAgencyId: w.court.id },
      },
      [`POST ${v1}/enrollments/:id/milestones`]: {
        token: w.coordinator.token,
        url: `${v1}/enrollments/${a}/milestones`,
        body: { category: 'shelter', providerAgencyId: w.shelter.id, requiredSessions: 2 },
      },
      [`DELETE ${v1}/milestones/:id`]: {
        token: w.coordinator.token,
        url: `${v1}/milestones/${milestone.id}?reason=x`,
      },
      [`POST ${v1}/milestones/:id/attendance`]: {
        token: w.schoolUser.token,
        url: `${v1}/milestones/${milestone.id}/attendance`,
        body: { sessionDate: new Date().toISOString().slice(0, 10), status: 'present' },
      },
      [`POST ${v1}/attendance/:id/void`]: {
        token: w.schoolUser.token,
        url: `${v1}/attendance/${attendance.id}/void`,
        body: reason,
      },
      [`POST ${v1}/enrollments/:id/completion`]: {
        token: w.clerk.token,
        url: `${v1}/enrollments/${review.enrollment.id}/completion`,
        body: { decision: 'confirmed' },
      },
      [`POST ${v1}/enrollments/:id/minor-notification`]: {
        token: w.coordinator.token,
        url: `${v1}/enrollments/${completed.enrollment.id}/minor-notification`,
        body: { notifiedAt: new Date().toISOString(), method: 'mail' },
      },
      [`POST ${v1}/sealing-notices/:id/ack`]: {
        token: partner.token,
        url: `${v1}/sealing-notices/${notice.id}/ack`,
        body: { reference: 'R-1' },
      },
      [`POST ${v1}/api-clients/:id/revoke`]: {
        token: w.admin,
        url: `${v1}/api-clients/${partner.id}/revoke`,
      },
      [`POST ${v1}/api-clients/:id/rotate-secret`]: {
        token: w.admin,
        url: `${v1}/api-clients/${partner.id}/rotate-secret`,
      },
      [`POST ${v1}/webhook-subscriptions/:id/rotate-secret`]: {
        token: partner.token,
        url: `${v1}/webhook-subscriptions/${subscription.id}/rotate-secret`,
      },
      [`POST ${v1}/webhook-subscriptions/:id/deliveries/:deliveryId/retry`]: {
        token: partner.token,
        url: `${v1}/webhook-subscriptions/${subscription.id}/deliveries/${deliveryId}/retry`,
      },
      [`DELETE ${v1}/webhook-subscriptions/:id`]: {
        token: partner.token,
        url: `${v1}/webhook-subscriptions/${subscription.id}`,
      },
    };
  });
  afterAll(() => t.close());

  const send = (method: string, call: Call, ifMatch?: string) => {
    const path = call.url;
    const req =
      method === 'PATCH'
        ? t.http.patch(path)
        : method === 'DELETE'
          ? t.http.delete(path)
          : t.http.post(path);
    void req.auth(call.token, { type: 'bearer' });
    if (ifMatch !== undefined) void req.set('If-Match', ifMatch);
    return call.body ? req.send(call.body) : req.send();
  };

  /** Changes on a resource: the ones with a path parameter (a batch or a creation has none). */
  const changeRoutes = () =>
    routes.filter((r) => ['POST', 'PATCH', 'DELETE', 'PUT'].includes(r.method) && hasParam(r));
  /** Single-resource reads: a path parameter, and not a list (no cursor). */
  const singleGets = () =>
    routes.filter(
      (r) =>
        r.method === 'GET' &&
        hasParam(r) &&
        !r.queryTypes.some((type) => 'cursor' in new (type as new () => object)()),
    );

  it('knows how to call every single-resource GET and every change on a resource', () => {
    expect(
      singleGets()
        .filter((r) => !(r.name in gets))
        .map((r) => r.name),
    ).toEqual([]);
    expect(
      changeRoutes()
        .filter((r) => !(r.name in changes))
        .map((r) => r.name),
    ).toEqual([]);
  });

  it('reads If-Match in every state-changing handler on a resource', () => {
    expect(
      changeRoutes()
        .filter((r) => !r.readsIfMatch)
        .map((r) => r.name),
    ).toEqual([]);
  });

  it('sends a strong ETag on every single-resource GET', async () => {
    const missing: string[] = [];
    for (const route of singleGets()) {
      const call = gets[route.name];
      const res = await t.http.get(call.url).auth(call.token, { type: 'bearer' });
      if (res.status !== 200 || !/^"[^"]+"$/.test(String(res.headers.etag))) {
        missing.push(`${route.name}: ${res.status} ${String(res.headers.etag)}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('requires If-Match on every PATCH (428)', async () => {
    const wrong: string[] = [];
    for (const route of changeRoutes().filter((r) => r.method === 'PATCH')) {
      const res = await send('PATCH', changes[route.name]);
      if (res.status !== 428) wrong.push(`${route.name}: ${res.status}`);
    }
    expect(wrong).toEqual([]);
  });

  it('refuses a stale If-Match with 412 on every change on a resource, before anything else', async () => {
    const wrong: string[] = [];
    for (const route of changeRoutes()) {
      const call = changes[route.name];
      if (!call) continue; // reported by the first test
      const res = await send(route.method, call, STALE);
      if (res.status !== 412) wrong.push(`${route.name}: ${res.status} ${res.body?.type}`);
    }
    expect(wrong).toEqual([]);
  });
});
