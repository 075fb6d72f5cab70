import { DataSource } from 'typeorm';
import { SealingNoticesOverdueJob } from '../src/sealing/jobs/sealing-notices-overdue.job';
import { WebhookDispatchJob } from '../src/webhooks/jobs/webhook-dispatch.job';
import { expectProblem } from './support/http';
import { startTestApp, TestApp } from './support/test-app';
import { givenClient, givenCompletedEnrollment, givenWorld } from './support/workflow';

const TOKEN = 'metrics-token-for-the-test-0123456789';

/** The value of one sample line `name{labels} value` in an exposition text, or undefined. */
function sample(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-z_]+)(\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[3] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[4]);
  }
  return undefined;
}

describe('GET /metrics', () => {
  it('is off (404, like an unknown route) without METRICS_TOKEN', async () => {
    const t = await startTestApp();
    try {
      expectProblem(await t.http.get('/metrics'), 404, 'not-found');
      expectProblem(
        await t.http.get('/metrics').auth('anything', { type: 'bearer' }),
        404,
        'not-found',
      );
    } finally {
      await t.close();
    }
  });

  describe('with METRICS_TOKEN', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ METRICS_TOKEN: TOKEN, WEBHOOK_ALLOW_PRIVATE: 'true' });
    });
    afterAll(() => t.close());
    const scrape = async () =>
      (await t.http.get('/metrics').auth(TOKEN, { type: 'bearer' }).expect(200)).text;

    it('refuses a missing or wrong token (401)', async () => {
      expectProblem(await t.http.get('/metrics'), 401, 'unauthenticated');
      expectProblem(
        await t.http.get('/metrics').auth(`${TOKEN}x`, { type: 'bearer' }),
        401,
        'unauthenticated',
      );
    });

    it('reports latency by route and status, pool, webhook backlog, audit lag, jobs and overdue notices', async () => {
      const w = await givenWorld(t);
      const police = await givenClient(t, w.admin, {
        agencyId: w.police.id,
        scopes: ['webhooks:manage', 'sealing:ack'],
      });
      await t.http
        .post('/api/v1/webhook-subscriptions')
        .auth(police.token, { type: 'bearer' })
        .send({ url: 'http://127.0.0.1:9/hooks', events: ['arrest_record.sealed'] })
        .expect(201);
      const { arrest, enrollment } = await givenCompletedEnrollment(t, w);
      await t.http
        .get(`/api/v1/enrollments/${enrollment.id}`)
        .auth(w.coordinator.token, { type: 'bearer' })
        .expect(200);
      await t.http
        .get(`/api/v1/enrollments/00000000-0000-4000-8000-000000000000`)
        .auth(w.coordinator.token, { type: 'bearer' })
        .expect(404);
      // The webhook worker is off in tests: one dispatch writes the sealing delivery, undelivered.
      await t.app.get(WebhookDispatchJob).runUntilIdle();
      // The clock moved on for the notice: 60 days passed.
      await t.app
        .get(DataSource)
        .query(
          `UPDATE sealing_notices SET due_at = now() - interval '1 day' WHERE arrest_record_id = $1`,
          [arrest.id],
        );
      await t.app.get(SealingNoticesOverdueJob).runUntilIdle();

      const text = await scrape();
      const latency = (status: string) =>
        sample(text, 'first_step_http_request_duration_seconds_count', {
          method: 'GET',
          route: '/api/v1/enrollments/:id',
          status_code: status,
        });
      expect(latency('200')).toBe(1);
      expect(latency('404')).toBe(1);
      expect(sample(text, 'first_step_db_pool_connections', { state: 'total' })).toBeGreaterThan(0);
      expect(sample(text, 'first_step_webhook_backlog', { agency_id: w.police.id })).toBe(1);
      expect(
        sample(text, 'first_step_webhook_oldest_undelivered_seconds', { agency_id: w.police.id }),
      ).toBeGreaterThanOrEqual(0);
      // The sequencer is off in tests: every entry written so far is waiting.
      expect(sample(text, 'first_step_audit_sequencer_pending_entries')).toBeGreaterThan(0);
      expect(sample(text, 'first_step_audit_sequencer_lag_seconds')).toBeGreaterThan(0);
      expect(
        sample(text, 'first_step_job_runs_total', { job: 'SealingNoticesOverdueJob' }),
      ).toBeGreaterThanOrEqual(1);
      expect(
        sample(text, 'first_step_job_failures_total', { job: 'SealingNoticesOverdueJob' }),
      ).toBe(0);
      expect(sample(text, 'first_step_sealing_notices_overdue')).toBe(1);
      expect(sample(text, 'first_step_minor_notices_overdue')).toBe(0);
      // No personal data in labels: no names, no emails.
      expect(text).not.toMatch(/Maria|Lopez|@test\.local/);
    });
  });
});
