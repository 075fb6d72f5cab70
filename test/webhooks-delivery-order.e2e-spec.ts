import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { Outbox } from '../src/events/outbox.service';
import { UnitOfWork } from '../src/infrastructure/database/unit-of-work';
import { deliveryPriority } from '../src/webhooks/domain/delivery-priority';
import { WebhookDeliveryJob } from '../src/webhooks/jobs/webhook-delivery.job';
import { WebhookDispatchJob } from '../src/webhooks/jobs/webhook-dispatch.job';
import { INTERRUPTED_BY_SHUTDOWN } from '../src/webhooks/webhook-sender';
import { adminToken, givenAgency, givenClient } from './support/factories';
import { outboxSettled } from './support/outbox';
import { Tarpit } from './support/tarpit';
import { testServerUrl } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';
import { eventually, WebhookReceiver } from './support/webhook-receiver';
import {
  givenActiveEnrollment,
  givenCompletedEnrollment,
  givenMilestone,
  givenWorld,
} from './support/workflow';

const subscribe = async (t: TestApp, token: string, url: string, events: string[]) =>
  (
    await t.http
      .post('/api/v1/webhook-subscriptions')
      .auth(token, { type: 'bearer' })
      .send({ url, events })
      .expect(201)
  ).body as { id: string };

describe('webhook delivery order (jobs driven directly)', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    // One attempt in flight per subscription: arrival order is then the order attempts start.
    t = await startTestApp({
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_MAX_PER_SUBSCRIPTION: '1',
    });
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
  });

  it('sends sealing events first, then each priority in the order of the outbox (the feed)', async () => {
    const w = await givenWorld(t);
    const types = [
      'enrollment.created',
      'enrollment.activated',
      'enrollment.status_changed',
      'milestone.created',
      'milestone.met',
      'attendance.recorded',
      'enrollment.completed',
      'sealing_notice.acknowledged',
    ];
    const owner = await givenClient(t, w.admin, {
      agencyId: w.da.id,
      scopes: ['webhooks:manage', 'events:read'],
    });
    await subscribe(t, owner.token, receiver.url, types);

    // Attendance in bulk, then a completion and its acknowledgement, committed last.
    const bulk = await givenActiveEnrollment(t, w);
    const milestone = await givenMilestone(t, w, bulk.enrollment.id, {
      category: 'mental_health',
      providerAgencyId: w.clinic.id,
      requiredSessions: 30,
    });
    const today = new Date().toISOString().slice(0, 10);
    await t.http
      .post('/api/v1/attendance/batch')
      .auth(w.clinicUser.token, { type: 'bearer' })
      .send({
        records: Array.from({ length: 30 }, (_, i) => ({
          milestoneId: milestone.id,
          sessionDate: today,
          status: 'present',
          externalId: `ORDER-${i}`,
        })),
      })
      .expect(200);
    await givenCompletedEnrollment(t, w);
    const police = await givenClient(t, w.admin, {
      agencyId: w.police.id,
      scopes: ['sealing:ack'],
    });
    const [notice] = (
      await t.http.get('/api/v1/sealing-notices').auth(police.token, { type: 'bearer' }).expect(200)
    ).body.items as { id: string }[];
    await t.http
      .post(`/api/v1/sealing-notices/${notice.id}/ack`)
      .auth(police.token, { type: 'bearer' })
      .send({ reference: 'RMS-ORDER' })
      .expect(200);

    await outboxSettled(t);
    const feed = (
      await t.http
        .get('/api/v1/events')
        .query({ types: types.join(','), limit: 500 })
        .auth(owner.token, { type: 'bearer' })
        .expect(200)
    ).body.items as { id: string; type: Parameters<typeof deliveryPriority>[0] }[];
    const expected = feed
      .map((event, index) => ({ ...event, index }))
      .sort((a, b) => deliveryPriority(a.type) - deliveryPriority(b.type) || a.index - b.index)
      .map((event) => `${event.type} ${event.id}`);
    expect(feed.map((e) => e.type)).toContain('sealing_notice.acknowledged');
    expect(feed.filter((e) => e.type === 'attendance.recorded').length).toBeGreaterThan(30);

    await t.app.get(WebhookDispatchJob).runUntilIdle();
    await t.app.get(WebhookDeliveryJob).runUntilIdle();

    const received = receiver.received.map((r) => {
      const event = JSON.parse(r.body) as { id: string; type: string };
      return `${event.type} ${event.id}`;
    });
    // The same events as the feed shows this agency, in (priority, outbox order).
    expect(received).toEqual(expected);
    expect(received[0]).toMatch(/^sealing_notice\.acknowledged /);
  });
});

/**
 * A receiver that holds every request until released, and counts how many are open at once
 * per path (one path per subscription).
 */
class HoldingReceiver {
  readonly maxOpen = new Map<string, number>();
  readonly served: string[] = [];
  private readonly open = new Map<string, number>();
  private readonly held: ServerResponse[] = [];
  private server!: Server;

  static async start(): Promise<HoldingReceiver> {
    const r = new HoldingReceiver();
    r.server = createServer((req: IncomingMessage, res) => {
      const path = req.url ?? '/';
      const open = (r.open.get(path) ?? 0) + 1;
      r.open.set(path, open);
      r.maxOpen.set(path, Math.max(open, r.maxOpen.get(path) ?? 0));
      req.resume();
      req.on('end', () => r.held.push(res));
      res.on('finish', () => {
        r.open.set(path, r.open.get(path)! - 1);
        r.served.push(path);
      });
    });
    await new Promise<void>((resolve) => r.server.listen(0, '127.0.0.1', resolve));
    return r;
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  get heldCount(): number {
    return this.held.length;
  }

  releaseAll(): void {
    for (const res of this.held.splice(0)) res.writeHead(204).end();
  }

  close(): Promise<void> {
    this.releaseAll();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('webhook delivery concurrency caps', () => {
  let t: TestApp;
  let receiver: HoldingReceiver;
  beforeAll(async () => {
    t = await startTestApp({
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_MAX_IN_FLIGHT: '5',
      WEBHOOK_MAX_PER_SUBSCRIPTION: '2',
    });
    receiver = await HoldingReceiver.start();
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
  });

  it('never has more than the per-subscription cap in flight for one subscription, nor more than the overall cap', async () => {
    const admin = await adminToken(t);
    const agencies = await Promise.all(
      [1, 2, 3].map(() => givenAgency(t, admin, { kind: 'law_enforcement' })),
    );
    for (const [i, agency] of agencies.entries()) {
      const client = await givenClient(t, admin, {
        agencyId: agency.id,
        scopes: ['webhooks:manage'],
      });
      await subscribe(t, client.token, receiver.url(`/sub-${i}`), ['arrest_record.sealed']);
      for (let n = 0; n < 6; n++) {
        await t.app
          .get(UnitOfWork)
          .run(() =>
            t.app
              .get(Outbox)
              .emit({ type: 'arrest_record.sealed', agencyId: agency.id, data: { n } }),
          );
      }
    }
    // Sealing events are fanned out ahead of the commit horizon: no need to wait for it.
    await t.app.get(WebhookDispatchJob).runUntilIdle();
    const delivery = t.app.get(WebhookDeliveryJob);
    const done = delivery.runUntilIdle();
    // Slots fill up to the caps and stay there while the receiver holds every request.
    await eventually(() => expect(receiver.heldCount).toBe(5));
    expect(delivery.inFlightCount).toBe(5);
    for (const [path, max] of receiver.maxOpen) expect([path, max <= 2]).toEqual([path, true]);
    // Released, the rest follow, and the caps held throughout.
    const release = setInterval(() => receiver.releaseAll(), 10);
    await done;
    clearInterval(release);
    expect(receiver.served).toHaveLength(18);
    expect(Math.max(...receiver.maxOpen.values())).toBe(2);
  });
});

// Two instances, SIGKILL-free shutdown checks and a real second session need a real server.
const onServer = testServerUrl() ? describe : describe.skip;

onServer('webhook delivery caps across instances, and shutdown (real PostgreSQL)', () => {
  it('two instances together keep one subscription under its cap', async () => {
    const env = {
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_MAX_PER_SUBSCRIPTION: '2',
    };
    const first = await startTestApp(env);
    const second = await startTestApp({ ...env, DATABASE_URL: first.databaseUrl! });
    const receiver = await HoldingReceiver.start();
    try {
      const admin = await adminToken(first);
      const agency = await givenAgency(first, admin, { kind: 'law_enforcement' });
      const client = await givenClient(first, admin, {
        agencyId: agency.id,
        scopes: ['webhooks:manage'],
      });
      await subscribe(first, client.token, receiver.url('/one'), ['arrest_record.sealed']);
      for (let n = 0; n < 8; n++) {
        await first.app
          .get(UnitOfWork)
          .run(() =>
            first.app
              .get(Outbox)
              .emit({ type: 'arrest_record.sealed', agencyId: agency.id, data: { n } }),
          );
      }
      await first.app.get(WebhookDispatchJob).runUntilIdle();
      const done = Promise.all(
        [first, second].map((app) => app.app.get(WebhookDeliveryJob).runUntilIdle()),
      );
      await eventually(() => expect(receiver.heldCount).toBe(2));
      // Both instances have claimed again meanwhile: nothing more for this subscription.
      await Promise.all([first, second].map((app) => app.app.get(WebhookDeliveryJob).startDue()));
      expect(receiver.heldCount).toBe(2);
      const release = setInterval(() => receiver.releaseAll(), 10);
      await done;
      clearInterval(release);
      expect(receiver.served).toHaveLength(8);
      expect(receiver.maxOpen.get('/one')).toBe(2);
    } finally {
      await receiver.close();
      await second.app.close();
      await first.close();
    }
  });

  it('on shutdown, an attempt stuck on a hung receiver is cut off, recorded, and due again at once', async () => {
    const t = await startTestApp({ WEBHOOK_ALLOW_PRIVATE: 'true' });
    const tarpit = await Tarpit.start();
    const db = new Client({ connectionString: t.databaseUrl });
    try {
      const admin = await adminToken(t);
      const agency = await givenAgency(t, admin, { kind: 'law_enforcement' });
      const client = await givenClient(t, admin, {
        agencyId: agency.id,
        scopes: ['webhooks:manage'],
      });
      const sub = await subscribe(t, client.token, tarpit.url, ['arrest_record.sealed']);
      await t.app
        .get(UnitOfWork)
        .run(() =>
          t.app.get(Outbox).emit({ type: 'arrest_record.sealed', agencyId: agency.id, data: {} }),
        );
      await t.app.get(WebhookDispatchJob).runUntilIdle();
      expect(await t.app.get(WebhookDeliveryJob).startDue()).toBe(1);
      await eventually(() => expect(tarpit.connections).toBe(1));
      await t.app.close(); // the 10 s timeout is far away: shutdown cuts the attempt
      await db.connect();
      const { rows } = await db.query(
        `SELECT d.status, d.leased_until, d.next_attempt_at <= now() AS due, a.error
           FROM webhook_deliveries d JOIN webhook_delivery_attempts a ON a.delivery_id = d.id
          WHERE d.subscription_id = $1`,
        [sub.id],
      );
      expect(rows).toEqual([
        { status: 'pending', leased_until: null, due: true, error: INTERRUPTED_BY_SHUTDOWN },
      ]);
    } finally {
      await db.end();
      await tarpit.close();
      await t.close().catch(() => undefined);
    }
  });
});

// Keep the import used on PGlite runs too (the server-only block uses it).
void DataSource;
