/**
 * Webhook secret rotation with an overlap: the new secret is shown once; for
 * WEBHOOK_SECRET_OVERLAP_SECONDS deliveries carry a signature with each secret (Standard
 * Webhooks allows several), so a partner verifying with either one accepts them; after it,
 * the old secret no longer signs.
 */
import { Webhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { Outbox } from '../src/events/outbox.service';
import { UnitOfWork } from '../src/infrastructure/database/unit-of-work';
import { adminToken, givenAgency, givenClient, GivenClient } from './support/factories';
import { expectProblem } from './support/http';
import { startTestApp, TestApp } from './support/test-app';
import { eventually, WebhookReceiver } from './support/webhook-receiver';

describe('webhook secret rotation', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let police: { id: string };
  let client: GivenClient;
  let otherClient: GivenClient;

  beforeAll(async () => {
    t = await startTestApp({
      WEBHOOK_WORKER_ENABLED: 'true',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_POLL_INTERVAL_MS: '50',
      WEBHOOK_SECRET_OVERLAP_SECONDS: '3600',
    });
    const admin = await adminToken(t);
    police = await givenAgency(t, admin, { kind: 'law_enforcement' });
    const sheriff = await givenAgency(t, admin, { kind: 'law_enforcement' });
    client = await givenClient(t, admin, { agencyId: police.id, scopes: ['webhooks:manage'] });
    otherClient = await givenClient(t, admin, {
      agencyId: sheriff.id,
      scopes: ['webhooks:manage'],
    });
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
  });

  const emitSealed = () =>
    t.app.get(UnitOfWork).run(() =>
      t.app.get(Outbox).emit({
        type: 'arrest_record.sealed',
        agencyId: police.id,
        data: { arrestRecordId: police.id },
      }),
    );
  const rotate = (token: string, id: string, ifMatch?: string) => {
    const req = t.http
      .post(`/api/v1/webhook-subscriptions/${id}/rotate-secret`)
      .auth(token, { type: 'bearer' });
    if (ifMatch) void req.set('If-Match', ifMatch);
    return req.send();
  };

  it('signs with both secrets during the overlap, then with the new one only', async () => {
    const created = await t.http
      .post('/api/v1/webhook-subscriptions')
      .auth(client.token, { type: 'bearer' })
      .send({ url: receiver.url, events: ['arrest_record.sealed'] })
      .expect(201);
    const sub = created.body as { id: string; secret: string };

    expectProblem(await rotate(otherClient.token, sub.id), 404, 'not-found');
    expectProblem(await rotate(client.token, sub.id, '"7"'), 412, 'precondition-failed');
    const before = Date.now();
    const res = await rotate(client.token, sub.id, '"1"').expect(200);
    expect(res.headers.etag).toBe('"2"');
    const rotated = res.body as { secret: string; previousSecretExpiresAt: string; id: string };
    expect(rotated.id).toBe(sub.id);
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(sub.secret);
    const expires = Date.parse(rotated.previousSecretExpiresAt);
    expect(expires).toBeGreaterThanOrEqual(before + 3600_000 - 5000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 3600_000 + 5000);

    await emitSealed();
    await eventually(() => expect(receiver.received).toHaveLength(1));
    const during = receiver.received[0];
    expect(during.headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(rotated.secret).verify(during.body, during.headers)).not.toThrow();
    expect(() => new Webhook(sub.secret).verify(during.body, during.headers)).not.toThrow();

    // The overlap is over (the clock moved on: only SQL can say so).
    await t.app.get(DataSource).query(
      `UPDATE webhook_subscriptions SET previous_secret_expires_at = now() - interval '1 second'
          WHERE id = $1`,
      [sub.id],
    );
    await emitSealed();
    await eventually(() => expect(receiver.received).toHaveLength(2));
    const after = receiver.received[1];
    expect(after.headers['webhook-signature'].split(' ')).toHaveLength(1);
    expect(() => new Webhook(rotated.secret).verify(after.body, after.headers)).not.toThrow();
    expect(() => new Webhook(sub.secret).verify(after.body, after.headers)).toThrow();

    const audit = await t.app
      .get(DataSource)
      .query(`SELECT action FROM audit_events WHERE subject_id = $1 AND outcome = 'success'`, [
        sub.id,
      ]);
    expect(audit.map((a: { action: string }) => a.action)).toContain(
      'webhook_subscription.secret_rotated',
    );
  });
});
