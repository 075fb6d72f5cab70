import PgBoss from 'pg-boss';
import { DataSource } from 'typeorm';
import { JOB_RUN_COUNTS } from '../src/infrastructure/jobs/periodic-runner';
import { createBoss, ScheduledJobs } from '../src/infrastructure/jobs/scheduled-jobs';
import { MinorNoticesOverdueJob } from '../src/sealing/jobs/minor-notices-overdue.job';
import { SealingNoticesOverdueJob } from '../src/sealing/jobs/sealing-notices-overdue.job';
import { startTestApp, TestApp } from './support/test-app';
import { testServerUrl } from './support/test-database';
import { eventually } from './support/webhook-receiver';

const onServer = !!testServerUrl();
const TOKEN = 'metrics-token-for-the-test-0123456789';
/** Schedules checked and queues polled every second, so a test sees slots pass in seconds. */
const FAST = { SCHEDULED_JOBS_POLL_SECONDS: '1', METRICS_TOKEN: TOKEN };

interface JobRow {
  id: string;
  state: string;
  trigger: string | null;
  createdOn: Date;
  retryCount: number;
  output: { message?: string } | null;
}

function jobsOf(t: TestApp, queue: string): Promise<JobRow[]> {
  return t.app.get(DataSource).query(
    `SELECT id, state, data->>'trigger' AS trigger, created_on AS "createdOn",
            retry_count AS "retryCount", output
       FROM pgboss.job WHERE name = $1 ORDER BY created_on`,
    [queue],
  );
}

const runsOf = (job: string) => JOB_RUN_COUNTS.get(job) ?? { runs: 0, failures: 0 };

/**
 * The scheduled jobs run on pg-boss: each schedule slot's run happens once however many
 * instances check the schedule, and a failing run is recorded (pg-boss's job row, /metrics)
 * and retried.
 */
describe('scheduled jobs on pg-boss', () => {
  jest.setTimeout(120_000);

  it('runs each schedule slot once with two instances on one database', async () => {
    const queue = SealingNoticesOverdueJob.QUEUE;
    const job = SealingNoticesOverdueJob.name;
    const before = runsOf(job).runs;
    const windowStart = new Date();
    const first = await startTestApp(FAST);
    // A second instance on the same database: a second app on a server; on PGlite (one
    // process) a second pg-boss on the same database, with its timekeeper and its worker.
    let second: TestApp | undefined;
    let otherBoss: PgBoss | undefined;
    let otherRuns = 0;
    try {
      if (onServer) {
        second = await startTestApp({ ...FAST, DATABASE_URL: first.databaseUrl! });
      } else {
        otherBoss = createBoss(first.app.get(DataSource), 1);
        otherBoss.on('error', () => undefined);
        await otherBoss.start();
        await otherBoss.schedule(
          queue,
          '* * * * *',
          { trigger: 'schedule' },
          {
            tz: 'UTC',
            singletonKey: queue,
          },
        );
        await otherBoss.work(queue, async () => {
          otherRuns += 1;
          await first.app.get(SealingNoticesOverdueJob).runUntilIdle();
        });
      }
      // The schedule's first slot reaches the queue within a few checks; then both instances
      // go on checking the schedule every second for a while.
      await eventually(
        async () => {
          const done = (await jobsOf(first, queue)).filter(
            (j) => j.trigger === 'schedule' && j.state === 'completed',
          );
          expect(done.length).toBeGreaterThanOrEqual(1);
        },
        30_000,
        250,
      );
      await new Promise((resolve) => setTimeout(resolve, 4000));
    } finally {
      await otherBoss?.stop({ close: false, graceful: true, wait: true, timeout: 5000 });
      await second?.close();
    }
    const windowEnd = new Date();
    const rows = await jobsOf(first, queue);
    await first.close();

    const minutes =
      Math.floor(windowEnd.getTime() / 60_000) - Math.floor(windowStart.getTime() / 60_000) + 1;
    const scheduled = rows.filter((r) => r.trigger === 'schedule');
    // About ten checks by each instance, and still one run per minute slot.
    expect(scheduled.length).toBeGreaterThanOrEqual(1);
    expect(scheduled.length).toBeLessThanOrEqual(minutes);
    // Instances starting in the same minute share one start run.
    expect(rows.filter((r) => r.trigger === 'start').length).toBeLessThanOrEqual(minutes);
    // Every run happened exactly once: as many runs as completed jobs, none still going.
    const completed = rows.filter((r) => r.state === 'completed').length;
    expect(rows.every((r) => r.state === 'completed' || r.state === 'created')).toBe(true);
    expect(runsOf(job).runs - before + otherRuns).toBe(completed);
  });

  describe('a failing run', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(FAST);
    });
    afterAll(() => t.close());

    it('is recorded on the job and in /metrics, and retried after its delay', async () => {
      const queue = MinorNoticesOverdueJob.QUEUE;
      const job = t.app.get(MinorNoticesOverdueJob);
      // Let the start run pass, then make the next run fail once.
      await eventually(() => expect(runsOf(MinorNoticesOverdueJob.name).runs).toBeGreaterThan(0));
      jest.spyOn(job, 'runUntilIdle').mockRejectedValueOnce(new Error('database went away'));
      await t.app.get(ScheduledJobs).running!.send(queue, { trigger: 'test' });

      let failed: JobRow | undefined;
      await eventually(
        async () => {
          failed = (await jobsOf(t, queue)).find((j) => j.state === 'retry');
          expect(failed).toBeDefined();
        },
        20_000,
        100,
      );
      expect(failed!.output?.message).toBe('database went away');
      expect(runsOf(MinorNoticesOverdueJob.name).failures).toBe(1);
      const metrics = await t.http.get('/metrics').auth(TOKEN, { type: 'bearer' }).expect(200);
      expect(metrics.text).toContain(
        `first_step_job_failures_total{job="${MinorNoticesOverdueJob.name}"} 1`,
      );

      // The retry waits a minute (the queue's retry delay): bring it forward.
      await t.app
        .get(DataSource)
        .query(`UPDATE pgboss.job SET start_after = now() WHERE id = $1`, [failed!.id]);
      await eventually(
        async () => {
          const retried = (await jobsOf(t, queue)).find((j) => j.id === failed!.id);
          expect(retried?.state).toBe('completed');
        },
        20_000,
        100,
      );
    });
  });

  it('wait for the pg-boss schema while migrations are left to the release, then start', async () => {
    // A fresh embedded database, never migrated (as in test/health.e2e-spec.ts).
    const t = await startTestApp({
      ...FAST,
      PGLITE_DIR: 'memory://',
      MIGRATIONS_RUN: 'false',
      BOOTSTRAP_ADMIN_EMAIL: '',
      BOOTSTRAP_ADMIN_PASSWORD: '',
    });
    try {
      expect(t.app.get(ScheduledJobs).running).toBeUndefined();
      await t.app.get(DataSource).runMigrations();
      await eventually(() => expect(t.app.get(ScheduledJobs).running).toBeDefined(), 20_000, 100);
      await eventually(
        async () => {
          const started = await jobsOf(t, SealingNoticesOverdueJob.QUEUE);
          expect(started.some((j) => j.trigger === 'start' && j.state === 'completed')).toBe(true);
        },
        20_000,
        100,
      );
    } finally {
      await t.close();
    }
  });
});
