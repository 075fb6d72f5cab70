/**
 * Runs examples/partner-receiver (the starting point for a law-enforcement records system,
 * documented in docs/integration.md) against the API on a real port: the example gets its
 * token, subscribes, verifies webhooks, pages the feed and acknowledges the sealing notice of
 * an arrest its agency made, exactly as a partner's copy of it would.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { startTestApp, TestApp } from './support/test-app';
import { eventually } from './support/webhook-receiver';
import { givenCompletedEnrollment, givenWorld, World } from './support/workflow';

const EXAMPLE_MAIN = join(__dirname, '..', 'examples', 'partner-receiver', 'src', 'main.js');
const PARTNER_SCOPES = ['webhooks:manage', 'events:read', 'sealing:ack'];
const WORKER_ON = {
  WEBHOOK_WORKER_ENABLED: 'true',
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_POLL_INTERVAL_MS: '50',
  WEBHOOK_RETRY_BASE_MS: '200',
  WEBHOOK_TIMEOUT_MS: '5000',
};
const DEADLINE_MS = 45_000;

interface ExampleState {
  subscription: { id: string; url: string; events: string[]; secret: string } | null;
  feedCursor: string | null;
  processedEventIds: string[];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('the example partner system (examples/partner-receiver)', () => {
  let t: TestApp;
  let w: World;
  let apiUrl: string;
  let work: string;
  let stateFile: string;
  let webhookUrl: string;
  let client: { clientId: string; clientSecret: string };
  let child: ChildProcess | undefined;
  let output = '';

  const readState = (): ExampleState => JSON.parse(readFileSync(stateFile, 'utf8')) as ExampleState;

  /** A token of the example's own client, for checking what it did. */
  const partnerToken = async () =>
    (
      await t.http
        .post('/api/v1/auth/token')
        .send({ grant_type: 'client_credentials', ...toOAuth(client) })
        .expect(200)
    ).body.access_token as string;

  beforeAll(async () => {
    t = await startTestApp(WORKER_ON);
    await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as { port: number };
    apiUrl = `http://127.0.0.1:${port}`;
    w = await givenWorld(t);

    // The administrator creates the records system's client for the law-enforcement agency.
    const created = await t.http
      .post('/api/v1/api-clients')
      .auth(w.admin, { type: 'bearer' })
      .send({ name: 'Police records system', agencyId: w.police.id, scopes: PARTNER_SCOPES })
      .expect(201);
    client = { clientId: created.body.clientId, clientSecret: created.body.clientSecret };

    work = mkdtempSync(join(tmpdir(), 'partner-example-'));
    stateFile = join(work, 'state.json');
    // A cursor from before the feed's `ev2.` cursors: the example must recover from it.
    writeFileSync(stateFile, JSON.stringify({ feedCursor: 'ev1.MTIz' }));
    webhookUrl = `http://127.0.0.1:${await freePort()}/first-step/hooks`;

    child = spawn(process.execPath, [EXAMPLE_MAIN], {
      env: {
        PATH: process.env.PATH ?? '',
        NODE_OPTIONS: '',
        FIRST_STEP_API_URL: apiUrl,
        FIRST_STEP_CLIENT_ID: client.clientId,
        FIRST_STEP_CLIENT_SECRET: client.clientSecret,
        PUBLIC_WEBHOOK_URL: webhookUrl,
        PORT: new URL(webhookUrl).port,
        STATE_FILE: stateFile,
        FEED_POLL_INTERVAL_MS: '200',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    await eventually(
      () => {
        expect(child!.exitCode).toBeNull();
        expect(output).toContain('"message":"ready"');
      },
      DEADLINE_MS,
      100,
    ).catch((error: unknown) => {
      throw new Error(`the example did not start: ${String(error)}\n${output}`);
    });
  });

  afterAll(async () => {
    const running = child;
    if (running && running.exitCode === null && running.signalCode === null) {
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGTERM');
      const killer = setTimeout(() => running.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
    await t?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('acknowledges the sealing notice of its own arrest, once, whether it came by webhook or feed', async () => {
    const { arrest, participant } = await givenCompletedEnrollment(t, w);
    const token = await partnerToken();

    // The notice to the arresting agency becomes acknowledged, with the example's reference.
    let noticeId = '';
    await eventually(
      async () => {
        const res = await t.http
          .get('/api/v1/sealing-notices')
          .auth(token, { type: 'bearer' })
          .expect(200);
        const notice = (
          res.body.items as {
            id: string;
            arrestRecordId: string;
            status: string;
            reference: string | null;
          }[]
        ).find((n) => n.arrestRecordId === arrest.id);
        expect(notice).toMatchObject({
          status: 'acknowledged',
          reference: expect.stringMatching(/^EXAMPLE-RMS-SEAL-/),
        });
        noticeId = notice!.id;
      },
      DEADLINE_MS,
      250,
    );

    // Both paths saw the event: the webhook delivery was accepted (2xx after verification),
    // and the example's feed cursor is where this agency's feed ends (an `ev2.` cursor, after
    // starting from a refused `ev1.` one).
    const state = readState();
    expect(state.subscription).toMatchObject({ url: webhookUrl });
    let sealedEventId = '';
    await eventually(
      async () => {
        const deliveries = await t.http
          .get(`/api/v1/webhook-subscriptions/${state.subscription!.id}/deliveries`)
          .auth(token, { type: 'bearer' })
          .expect(200);
        const sealed = (
          deliveries.body.items as { eventId: string; eventType: string; status: string }[]
        ).find((d) => d.eventType === 'arrest_record.sealed');
        expect(sealed?.status).toBe('delivered');
        sealedEventId = sealed!.eventId;
        expect(readState().feedCursor).toBe(await feedEnd(token));
        expect(readState().processedEventIds).toContain(sealedEventId);
      },
      DEADLINE_MS,
      250,
    );
    expect(readState().feedCursor).toMatch(/^ev2\./);

    // Converged: one acknowledgement request reached the API for this notice.
    const acknowledgements = await t.app
      .get(DataSource)
      .query(
        `SELECT count(*)::int AS n FROM audit_events WHERE action = 'sealing_notice.acknowledged' AND subject_id = $1`,
        [noticeId],
      );
    expect(acknowledgements[0].n).toBe(1);

    // What it logged: ids and types, never the minor, the arrest or its own credentials.
    expect(output).toContain(sealedEventId);
    const [{ booking_number: bookingNumber }] = await t.app
      .get(DataSource)
      .query(`SELECT booking_number FROM arrest_records WHERE id = $1`, [arrest.id]);
    for (const secret of [
      'Maria',
      'Lopez',
      participant.caseNumber,
      bookingNumber as string,
      client.clientSecret,
      state.subscription!.secret,
      token.split('.')[0],
    ]) {
      expect(output).not.toContain(secret);
    }
  });

  it('refuses a delivery whose signature does not verify, and stays up', async () => {
    const body = JSON.stringify({
      id: '00000000-0000-4000-8000-000000000001',
      type: 'arrest_record.sealed',
      data: {},
    });
    const forged = await fetch(webhookUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': '00000000-0000-4000-8000-000000000001',
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        'webhook-signature': 'v1,bm90IHRoZSByaWdodCBzaWduYXR1cmU=',
      },
      body,
    });
    expect(forged.status).toBe(400);
    const health = await fetch(new URL('/health', webhookUrl));
    expect(health.status).toBe(200);
    expect(readState().processedEventIds).not.toContain('00000000-0000-4000-8000-000000000001');
  });

  /** The cursor at the end of this agency's feed, paged from the beginning. */
  async function feedEnd(token: string): Promise<string> {
    let cursor: string | undefined;
    for (;;) {
      const res = await t.http
        .get('/api/v1/events')
        .query({ limit: 500, ...(cursor ? { after: cursor } : {}) })
        .auth(token, { type: 'bearer' })
        .expect(200);
      cursor = res.body.nextCursor as string;
      if ((res.body.items as unknown[]).length < 500) return cursor;
    }
  }
});

function toOAuth(client: { clientId: string; clientSecret: string }) {
  return { client_id: client.clientId, client_secret: client.clientSecret };
}
