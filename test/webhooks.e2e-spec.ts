import { Webhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { Outbox } from '../src/events/outbox.service';
import { UnitOfWork } from '../src/infrastructure/database/unit-of-work';
import { WebhookDeliveryJob } from '../src/webhooks/jobs/webhook-delivery.job';
import { WebhookDispatchJob } from '../src/webhooks/jobs/webhook-dispatch.job';
import { adminToken, givenAgency, givenClient, GivenClient } from './support/factories';
import { expectProblem } from './support/http';
import { outboxSettled } from './support/outbox';
import { startTestApp, TestApp } from './support/test-app';
import { eventually, WebhookReceiver } from './support/webhook-receiver';

const WORKER_ON = {
  WEBHOOK_WORKER_ENABLED: 'true',
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_POLL_INTERVAL_MS: '50',
  WEBHOOK_RETRY_BASE_MS: '40',
  WEBHOOK_TIMEOUT_MS: '2000',
};

describe('webhooks', () => {
  let t: TestApp;
  let admin: string;
  let receiver: WebhookReceiver;
  let police: { id: string };
  let client: GivenClient;

  beforeAll(async () => {
    t = await startTestApp(WORKER_ON);
    admin = await adminToken(t);
    police = await givenAgency(t, admin, { kind: 'law_enforcement' });
    client = await givenClient(t, admin, {
      agencyId: police.id,
      scopes: ['webhooks:manage', 'sealing:ack'],
    });
  });
  beforeEach(async () => {
    receiver = await WebhookReceiver.start();
  });
  afterEach(() => receiver.close());
  afterAll(() => t.close());

  const subscribe = async (events: string[], token = client.token, url = receiver.url) =>
    (
      await t.http
        .post('/api/v1/webhook-subscriptions')
        .auth(token, { type: 'bearer' })
        .send({ url, events })
        .expect(201)
    ).body as { id: string; secret: string; url: string; events: string[] };

  const emitSealed = (agencyId: string) =>
    t.app
      .get(UnitOfWork)
      .run(() =>
        t.app
          .get(Outbox)
          .emit({ type: 'arrest_record.sealed', agencyId, data: { arrestRecordId: agencyId } }),
      );

  const deliveriesOf = async (subscriptionId: string) =>
    (
      await t.http
        .get(`/api/v1/webhook-subscriptions/${subscriptionId}/deliveries`)
        .auth(client.token, { type: 'bearer' })
        .expect(200)
    ).body.items as {
      id: string;
      status: string;
      eventId: string;
      attempts: { statusCode: number | null; latencyMs: number }[];
    }[];

  it('creates a subscription with a whsec_ secret shown once and stored encrypted', async () => {
    const sub = await subscribe(['sealing_notice.overdue']);
    expect(sub.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const [row] = await t.app
      .get(DataSource)
      .query(`SELECT secret_ciphertext FROM webhook_subscriptions WHERE id = $1`, [sub.id]);
    expect(row.secret_ciphertext).not.toContain(sub.secret.slice(6));
    const list = await t.http
      .get('/api/v1/webhook-subscriptions')
      .auth(client.token, { type: 'bearer' })
      .expect(200);
    expect(list.body.items.find((s: { id: string }) => s.id === sub.id)).toEqual(
      expect.not.objectContaining({ secret: expect.anything() }),
    );
  });

  it('signs deliveries as Standard Webhooks; the reference library verifies them and rejects a tampered body', async () => {
    // Subscribed to something else: arrest_record.sealed for its own arrests comes anyway.
    const sub = await subscribe(['sealing_notice.acknowledged']);
    await emitSealed(police.id);
    await eventually(() => expect(receiver.received).toHaveLength(1));
    const [delivery] = receiver.received;
    const verifier = new Webhook(sub.secret);
    const payload = verifier.verify(delivery.body, delivery.headers) as {
      type: string;
      id: string;
      data: object;
    };
    expect(payload.type).toBe('arrest_record.sealed');
    expect(delivery.headers['webhook-id']).toBe(payload.id);
    expect(() =>
      verifier.verify(delivery.body.replace('arrest_record', 'arrest_recorX'), delivery.headers),
    ).toThrow();
    await eventually(async () => expect((await deliveriesOf(sub.id))[0].status).toBe('delivered'));
  });

  it('retries a failing receiver with backoff: 3 failures then success, every attempt recorded', async () => {
    receiver.respond = (_request, index) => (index < 3 ? 500 : 200);
    const sub = await subscribe(['arrest_record.sealed']);
    await emitSealed(police.id);
    await eventually(async () => {
      const [delivery] = await deliveriesOf(sub.id);
      expect(delivery.status).toBe('delivered');
      expect(delivery.attempts.map((a) => a.statusCode)).toEqual([500, 500, 500, 200]);
    });
    expect(new Set(receiver.eventIds()).size).toBe(1);
    expect(receiver.received).toHaveLength(4);
  });

  it('marks a delivery failed once the retry window is over, and re-sends it on request', async () => {
    receiver.respond = () => 503;
    const sub = await subscribe(['arrest_record.sealed']);
    await emitSealed(police.id);
    await eventually(async () =>
      expect((await deliveriesOf(sub.id))[0]?.attempts.length).toBeGreaterThan(0),
    );
    // The clock moved 25 hours on (the retry window is 24 h from the database's now()).
    await t.app
      .get(DataSource)
      .query(
        `UPDATE webhook_deliveries SET retry_window_started_at = now() - interval '25 hours' WHERE subscription_id = $1`,
        [sub.id],
      );
    await eventually(async () => expect((await deliveriesOf(sub.id))[0].status).toBe('failed'));
    receiver.respond = () => 200;
    const [failed] = await deliveriesOf(sub.id);
    await t.http
      .post(`/api/v1/webhook-subscriptions/${sub.id}/deliveries/${failed.id}/retry`)
      .auth(client.token, { type: 'bearer' })
      .expect(200);
    await eventually(async () => expect((await deliveriesOf(sub.id))[0].status).toBe('delivered'));
    await t.http
      .post(`/api/v1/webhook-subscriptions/${sub.id}/deliveries/${failed.id}/retry`)
      .auth(client.token, { type: 'bearer' })
      .expect(409);
  });

  it('does not deliver other agencies\u2019 events, and hides other agencies\u2019 subscriptions', async () => {
    const other = await givenAgency(t, admin, { kind: 'law_enforcement' });
    const otherClient = await givenClient(t, admin, {
      agencyId: other.id,
      scopes: ['webhooks:manage'],
    });
    const sub = await subscribe(['arrest_record.sealed']);
    await emitSealed(other.id);
    await emitSealed(police.id);
    await eventually(() => expect(receiver.received).toHaveLength(1));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.received).toHaveLength(1);
    expect(JSON.parse(receiver.received[0].body).agencyId).toBe(police.id);
    await t.http
      .get(`/api/v1/webhook-subscriptions/${sub.id}/deliveries`)
      .auth(otherClient.token, { type: 'bearer' })
      .expect(404);
    await t.http
      .delete(`/api/v1/webhook-subscriptions/${sub.id}`)
      .auth(otherClient.token, { type: 'bearer' })
      .expect(404);
    await t.http
      .delete(`/api/v1/webhook-subscriptions/${sub.id}`)
      .auth(client.token, { type: 'bearer' })
      .expect(204);
  });

  it('pages both lists with keyset cursors, and answers a forged cursor with a 400 on cursor', async () => {
    const pager = await givenClient(t, admin, {
      agencyId: (await givenAgency(t, admin, { kind: 'law_enforcement' })).id,
      scopes: ['webhooks:manage'],
    });
    const created: string[] = [];
    for (let i = 0; i < 3; i++)
      created.push((await subscribe(['arrest_record.sealed'], pager.token)).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { items: { id: string }[]; nextCursor: string | null } } = await t.http
        .get('/api/v1/webhook-subscriptions')
        .query({ limit: 2, ...(cursor ? { cursor } : {}) })
        .auth(pager.token, { type: 'bearer' })
        .expect(200);
      seen.push(...res.body.items.map((s) => s.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(created);

    const pagerAgencyId = (await t.http.get('/api/v1/me').auth(pager.token, { type: 'bearer' }))
      .body.agencyId;
    for (let i = 0; i < 3; i++) await emitSealed(pagerAgencyId);
    const deliveryPage = (query: Record<string, string | number>) =>
      t.http
        .get(`/api/v1/webhook-subscriptions/${created[0]}/deliveries`)
        .query(query)
        .auth(pager.token, { type: 'bearer' })
        .expect(200);
    await eventually(async () =>
      expect((await deliveryPage({ limit: 500 })).body.items).toHaveLength(3),
    );
    const all = (await deliveryPage({ limit: 500 })).body.items.map((d: { id: string }) => d.id);
    const first = await deliveryPage({ limit: 2 });
    const second = await deliveryPage({ limit: 2, cursor: first.body.nextCursor });
    expect(second.body.nextCursor).toBeNull();
    expect([...first.body.items, ...second.body.items].map((d: { id: string }) => d.id)).toEqual(
      all,
    );

    const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const id = created[0];
    for (const cursor of [
      forged(['2026-02-30T12:00:00.000000Z', id]), // a day that does not exist
      forged(['not a time', 'not an id']),
      forged([1, 2]),
      forged(['2026-01-01T00:00:00.000000Z', "x' OR 1=1 --"]),
      forged(['2026-01-01T00:00:00.000000Z']),
      'not base64 json',
    ]) {
      for (const path of [
        '/api/v1/webhook-subscriptions',
        `/api/v1/webhook-subscriptions/${id}/deliveries`,
      ]) {
        const res = await t.http.get(path).query({ cursor }).auth(pager.token, { type: 'bearer' });
        expectProblem(res, 400, 'validation-failed');
        expect(res.body.errors).toEqual([expect.objectContaining({ field: 'cursor' })]);
      }
    }
  });

  it('refuses (422) a subscription to events the agency can never receive, naming them, and stores nothing', async () => {
    const before = await t.app
      .get(DataSource)
      .query(`SELECT count(*)::int AS n FROM webhook_subscriptions`);
    const res = await t.http
      .post('/api/v1/webhook-subscriptions')
      .auth(client.token, { type: 'bearer' })
      .send({
        url: receiver.url,
        events: ['arrest_record.sealed', 'attendance.recorded', 'milestone.met'],
      });
    expectProblem(res, 422, 'webhook-event-types-unreachable');
    expect(res.body.unreachableEventTypes).toEqual(['attendance.recorded', 'milestone.met']);
    expect(res.body.detail).toMatch(
      /law_enforcement never receives attendance\.recorded, milestone\.met/,
    );
    expect(res.body.errors).toEqual([
      { field: 'events', message: 'attendance.recorded never reaches a law enforcement agency' },
      { field: 'events', message: 'milestone.met never reaches a law enforcement agency' },
    ]);
    const after = await t.app
      .get(DataSource)
      .query(`SELECT count(*)::int AS n FROM webhook_subscriptions`);
    expect(after).toEqual(before);
  });

  it('takes what each kind of agency can receive, and refuses the rest', async () => {
    const as = async (
      kind: 'service_provider' | 'court' | 'district_attorney',
      events: string[],
    ) => {
      const agency = await givenAgency(t, admin, {
        kind,
        ...(kind === 'service_provider' ? { services: ['education' as const] } : {}),
      });
      const c = await givenClient(t, admin, { agencyId: agency.id, scopes: ['webhooks:manage'] });
      return t.http
        .post('/api/v1/webhook-subscriptions')
        .auth(c.token, { type: 'bearer' })
        .send({ url: receiver.url, events });
    };
    await as('service_provider', ['attendance.recorded', 'enrollment.completed']).then((r) =>
      expect(r.status).toBe(201),
    );
    const provider = await as('service_provider', ['milestone.met', 'sealing_notice.overdue']);
    expectProblem(provider, 422, 'webhook-event-types-unreachable');
    expect(provider.body.unreachableEventTypes).toEqual(['sealing_notice.overdue']);
    const court = await as('court', ['arrest_record.sealed', 'enrollment.completed']);
    expect(court.body.unreachableEventTypes).toEqual(['enrollment.completed']);
    await as('district_attorney', [
      'participant.created',
      'attendance.recorded',
      'arrest_record.sealed',
      'sealing_notice.overdue',
    ]).then((r) => expect(r.status).toBe(201));
  });

  it('needs the webhooks:manage scope', async () => {
    const reader = await givenClient(t, admin, { agencyId: police.id, scopes: ['events:read'] });
    await t.http
      .post('/api/v1/webhook-subscriptions')
      .auth(reader.token, { type: 'bearer' })
      .send({ url: receiver.url, events: ['arrest_record.sealed'] })
      .expect(403);
  });
});

describe('webhook jobs, driven directly (worker off)', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    t = await startTestApp({ WEBHOOK_ALLOW_PRIVATE: 'true' });
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
  });

  it('dispatch fans out only to subscriptions that want the event and may see it; delivery sends and records', async () => {
    const admin = await adminToken(t);
    const police = await givenAgency(t, admin, { kind: 'law_enforcement' });
    const otherPolice = await givenAgency(t, admin, { kind: 'law_enforcement' });
    const client = await givenClient(t, admin, {
      agencyId: police.id,
      scopes: ['webhooks:manage'],
    });
    const sub = (
      await t.http
        .post('/api/v1/webhook-subscriptions')
        .auth(client.token, { type: 'bearer' })
        .send({ url: receiver.url, events: ['sealing_notice.acknowledged'] })
        .expect(201)
    ).body as { id: string };
    const emit = (agencyId: string) =>
      t.app
        .get(UnitOfWork)
        .run(() =>
          t.app.get(Outbox).emit({ type: 'arrest_record.sealed', agencyId, data: { n: 1 } }),
        );
    await emit(otherPolice.id);
    await emit(police.id);
    await outboxSettled(t);

    await t.app.get(WebhookDispatchJob).runUntilIdle();
    await t.app.get(WebhookDeliveryJob).runUntilIdle();

    expect(receiver.received).toHaveLength(1);
    expect(JSON.parse(receiver.received[0].body).agencyId).toBe(police.id);
    const [row] = await t.app.get(DataSource).query(
      `SELECT count(*)::int AS deliveries, count(*) FILTER (WHERE status = 'delivered')::int AS delivered
           FROM webhook_deliveries WHERE subscription_id = $1`,
      [sub.id],
    );
    expect(row).toEqual({ deliveries: 1, delivered: 1 });
    // Nothing left: running the jobs again sends nothing twice.
    await t.app.get(WebhookDispatchJob).runUntilIdle();
    await t.app.get(WebhookDeliveryJob).runUntilIdle();
    expect(receiver.received).toHaveLength(1);
  });

  it('a new subscription gets the events that occur after it, however late the dispatcher runs', async () => {
    const admin = await adminToken(t);
    const police = await givenAgency(t, admin, { kind: 'law_enforcement' });
    const client = await givenClient(t, admin, {
      agencyId: police.id,
      scopes: ['webhooks:manage'],
    });
    const emit = (n: number) =>
      t.app
        .get(UnitOfWork)
        .run(() =>
          t.app
            .get(Outbox)
            .emit({ type: 'arrest_record.sealed', agencyId: police.id, data: { n } }),
        );
    await emit(1); // before the subscription, not dispatched yet
    const before = receiver.received.length;
    await t.http
      .post('/api/v1/webhook-subscriptions')
      .auth(client.token, { type: 'bearer' })
      .send({ url: receiver.url, events: ['arrest_record.sealed'] })
      .expect(201);
    await emit(2);
    await outboxSettled(t);
    await t.app.get(WebhookDispatchJob).runUntilIdle();
    await t.app.get(WebhookDeliveryJob).runUntilIdle();
    expect(
      receiver.received
        .slice(before)
        .map((r) => (JSON.parse(r.body) as { data: { n: number } }).data.n),
    ).toEqual([2]);
  });
});
