import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { Outbox } from '../src/events/outbox.service';
import { UnitOfWork } from '../src/infrastructure/database/unit-of-work';
import { adminToken, givenAgency, givenClient } from './support/factories';
import { createDatabaseFromTemplate, testServerUrl } from './support/test-database';
import { BASE_TEST_ENV, startTestApp, TestApp } from './support/test-app';
import { eventually, WebhookReceiver } from './support/webhook-receiver';

const WORKER_ON = {
  WEBHOOK_WORKER_ENABLED: 'true',
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_POLL_INTERVAL_MS: '50',
  WEBHOOK_RETRY_BASE_MS: '40',
  WEBHOOK_TIMEOUT_MS: '2000',
};

// Several processes on one database need a real server: PGlite belongs to one process.
const onServer = testServerUrl() ? describe : describe.skip;

onServer('webhook delivery across instances and crashes (real PostgreSQL)', () => {
  let receiver: WebhookReceiver;
  beforeEach(async () => {
    receiver = await WebhookReceiver.start();
  });
  afterEach(() => receiver.close());

  it('two instances on one database deliver each of 200 events, and no attempt goes unrecorded', async () => {
    const first: TestApp = await startTestApp(WORKER_ON);
    const second: TestApp = await startTestApp({ ...WORKER_ON, DATABASE_URL: first.databaseUrl! });
    try {
      const admin = await adminToken(first);
      const police = await givenAgency(first, admin, { kind: 'law_enforcement' });
      const client = await givenClient(first, admin, {
        agencyId: police.id,
        scopes: ['webhooks:manage'],
      });
      await first.http
        .post('/api/v1/webhook-subscriptions')
        .auth(client.token, { type: 'bearer' })
        .send({ url: receiver.url, events: ['arrest_record.sealed'] })
        .expect(201);
      // Every fifth request fails once, so retries are spread over both instances too.
      const failedOnce = new Set<string>();
      receiver.respond = (request) => {
        const id = request.headers['webhook-id'];
        if (id.endsWith('0') && !failedOnce.has(id)) {
          failedOnce.add(id);
          return 500;
        }
        return 200;
      };
      const emitters = [first, second];
      for (let i = 0; i < 200; i++) {
        const app = emitters[i % 2];
        await app.app
          .get(UnitOfWork)
          .run(() =>
            app.app
              .get(Outbox)
              .emit({ type: 'arrest_record.sealed', agencyId: police.id, data: { i } }),
          );
      }
      const ds = first.app.get(DataSource);
      await eventually(async () => {
        const [row] = await ds.query(
          `SELECT count(*) FILTER (WHERE status = 'delivered')::int AS delivered, count(*)::int AS total FROM webhook_deliveries`,
        );
        expect(row).toEqual({ delivered: 200, total: 200 });
      }, 60000);
      expect(new Set(receiver.eventIds()).size).toBe(200);
      const [counts] = await ds.query(
        `SELECT (SELECT sum(attempts)::int FROM webhook_deliveries) AS claimed,
                (SELECT count(*)::int FROM webhook_delivery_attempts) AS recorded`,
      );
      expect(counts.recorded).toBe(counts.claimed);
      expect(counts.recorded).toBe(receiver.received.length);
    } finally {
      await second.app.close();
      await first.close();
    }
  });

  it('an event committed before the process is killed with SIGKILL is delivered after restart', async () => {
    const database = await createDatabaseFromTemplate(testServerUrl()!);
    const key = randomBytes(32);
    const env = {
      ...process.env,
      ...BASE_TEST_ENV,
      ...WORKER_ON,
      DATABASE_URL: database.url,
      WEBHOOK_SECRET_KEY: key.toString('base64'),
      HOST: '127.0.0.1',
    };
    const start = (pollMs: string, port: number) =>
      spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
        env: { ...env, WEBHOOK_POLL_INTERVAL_MS: pollMs, PORT: String(port), NODE_OPTIONS: '' },
        stdio: 'ignore',
      });
    const ready = (port: number) =>
      eventually(
        async () => {
          const res = await fetch(`http://127.0.0.1:${port}/health/ready`);
          expect(res.status).toBe(200);
        },
        60000,
        250,
      );
    let running: ChildProcess | undefined;
    const db = new Client({ connectionString: database.url });
    await db.connect();
    try {
      // The first process only polls once, at start: the event below is committed, never sent.
      const port = 40000 + Math.floor(Math.random() * 20000);
      running = start('3600000', port);
      await ready(port);
      // The agency, its client and its subscription through the running process's API.
      const api = { http: request(`http://127.0.0.1:${port}`) };
      const admin = await adminToken(api);
      const agency = await givenAgency(api, admin, { kind: 'law_enforcement' });
      const client = await givenClient(api, admin, {
        agencyId: agency.id,
        scopes: ['webhooks:manage'],
      });
      await api.http
        .post('/api/v1/webhook-subscriptions')
        .auth(client.token, { type: 'bearer' })
        .send({ url: receiver.url, events: ['arrest_record.sealed'] })
        .expect(201);
      // The event a process committed and was killed before sending: written as the outbox
      // writes it, since the point is a row no live process has seen.
      const [event] = (
        await db.query(
          `INSERT INTO outbox_events (type, agency_id, data) VALUES ('arrest_record.sealed', $1, '{}') RETURNING id`,
          [agency.id],
        )
      ).rows;
      running.kill('SIGKILL');
      await new Promise((resolve) => running!.once('exit', resolve));
      expect(receiver.received).toHaveLength(0);

      running = start('50', port + 1);
      await eventually(() => expect(receiver.eventIds()).toEqual([event.id]), 60000);
    } finally {
      if (running && running.exitCode === null) {
        running.kill('SIGKILL');
        await new Promise((resolve) => running!.once('exit', resolve));
      }
      await db.end();
      await database.drop();
    }
  });
});
