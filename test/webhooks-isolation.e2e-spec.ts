import { DataSource } from 'typeorm';
import { givenAgency, givenClient } from './support/factories';
import { Tarpit } from './support/tarpit';
import { testServerUrl } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';
import { eventually, WebhookReceiver } from './support/webhook-receiver';
import {
  givenActiveEnrollment,
  givenEnrollmentPendingReview,
  givenMilestone,
  givenWorld,
  World,
} from './support/workflow';

const BULK_RECORDS = 1000;
/** The partner-integration issue's bound: a sealing notice reaches another agency within 5 s. */
const SEALING_DEADLINE_MS = 5000;

// Timing under load means a real server: PGlite serialises every transaction in one session.
const onServer = testServerUrl() ? describe : describe.skip;

onServer('webhook delivery isolation (real PostgreSQL)', () => {
  let t: TestApp;
  let w: World;
  let tarpit: Tarpit;
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    // Production defaults (1 s poll, 10 s timeout, 5 s first retry), webhooks to loopback allowed.
    t = await startTestApp({ WEBHOOK_WORKER_ENABLED: 'true', WEBHOOK_ALLOW_PRIVATE: 'true' });
    w = await givenWorld(t);
    tarpit = await Tarpit.start();
  });
  afterAll(async () => {
    await t.close();
    await tarpit.close();
    await Promise.all(receivers.map((r) => r.close()));
  });

  const receiver = async () => {
    const r = await WebhookReceiver.start();
    receivers.push(r);
    return r;
  };
  const subscribe = async (agencyId: string, url: string, events: string[]) => {
    const client = await givenClient(t, w.admin, { agencyId, scopes: ['webhooks:manage'] });
    return (
      await t.http
        .post('/api/v1/webhook-subscriptions')
        .auth(client.token, { type: 'bearer' })
        .send({ url, events })
        .expect(201)
    ).body as { id: string };
  };

  it("another agency's sealing notice is delivered within 5 s while a tarpit hangs and a 1000-record batch fans out", async () => {
    // The program's own case system hangs on every request; it wants everything.
    const tarpitSub = await subscribe(w.da.id, tarpit.url, [
      'attendance.recorded',
      'milestone.met',
      'enrollment.status_changed',
      'enrollment.completed',
    ]);
    // Two healthy systems want the attendance too: the batch fans out to three subscriptions.
    const healthy = [await receiver(), await receiver()];
    await subscribe(w.da.id, healthy[0].url, ['attendance.recorded']);
    await subscribe(w.clinic.id, healthy[1].url, ['attendance.recorded']);
    // Another agency's records system, waiting for its sealing notice.
    const sheriff = await givenAgency(t, w.admin, { kind: 'law_enforcement' });
    const sealingReceiver = await receiver();
    await subscribe(sheriff.id, sealingReceiver.url, ['sealing_notice.acknowledged']);

    const toSeal = await givenEnrollmentPendingReview(t, { ...w, police: sheriff });
    const bulk = await givenActiveEnrollment(t, w);
    const milestone = await givenMilestone(t, w, bulk.enrollment.id, {
      category: 'mental_health',
      providerAgencyId: w.clinic.id,
      requiredSessions: BULK_RECORDS,
    });
    const today = new Date().toISOString().slice(0, 10);
    const batch = await t.http
      .post('/api/v1/attendance/batch')
      .auth(w.clinicUser.token, { type: 'bearer' })
      .send({
        records: Array.from({ length: BULK_RECORDS }, (_, i) => ({
          milestoneId: milestone.id,
          sessionDate: today,
          status: 'present',
          externalId: `ISO-${i}`,
        })),
      })
      .expect(200);
    expect(batch.body.accepted).toBe(BULK_RECORDS);
    // The batch is on its way: healthy receivers get attendance, the tarpit swallows requests.
    await eventually(() => {
      expect(tarpit.connections).toBeGreaterThan(0);
      for (const r of healthy) expect(r.received.length).toBeGreaterThan(0);
    }, 30000);

    // The court confirms the other completion: the sheriff's copy must be sealed.
    await t.http
      .post(`/api/v1/enrollments/${toSeal.enrollment.id}/completion`)
      .auth(w.clerk.token, { type: 'bearer' })
      .send({ decision: 'confirmed', courtOrderNumber: 'JV-ISOLATION-1' })
      .expect(200);
    const confirmedAt = Date.now();

    await eventually(
      () => {
        const sealed = sealingReceiver.received.map((r) => JSON.parse(r.body) as { type: string });
        expect(sealed.map((e) => e.type)).toContain('arrest_record.sealed');
      },
      SEALING_DEADLINE_MS,
      20,
    );
    const tookMs = Date.now() - confirmedAt;
    expect(tookMs).toBeLessThanOrEqual(SEALING_DEADLINE_MS);

    // The tarpit was being tried all along, and held no more than its share of the slots.
    expect(tarpit.connections).toBeGreaterThan(0);
    const [tarpitState] = await t.app.get(DataSource).query(
      `SELECT count(*) FILTER (WHERE leased_until > now())::int AS in_flight,
              count(*) FILTER (WHERE status = 'pending' AND event_type = 'attendance.recorded')::int AS waiting
         FROM webhook_deliveries WHERE subscription_id = $1`,
      [tarpitSub.id],
    );
    expect(tarpitState.in_flight).toBeLessThanOrEqual(t.config.webhooks.maxInFlightPerSubscription);
    expect(tarpitState.waiting).toBeGreaterThan(0);
  });
});
