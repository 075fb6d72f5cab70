import {
  BeforeApplicationShutdown,
  Global,
  Injectable,
  Logger,
  Module,
  OnApplicationBootstrap,
} from '@nestjs/common';
import PgBoss from 'pg-boss';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../common/config/app-config';
import { loggableError } from '../../common/errors/loggable-error';
import { pgBossDb } from '../database/pg-boss-db';
import { PGBOSS_SCHEMA_VERSION } from '../../../migrations/1764001400000-pg-boss-scheduled-jobs';
import { recordJobRun } from './periodic-runner';

/** The schema the reviewed migration builds (migrations/1764001400000-pg-boss-scheduled-jobs.ts). */
export const PGBOSS_SCHEMA = 'pgboss';

/** What starts a run: a schedule slot, or an instance's start (data of the pg-boss job). */
export type ScheduledRunTrigger = 'schedule' | 'start';

export interface ScheduledJob {
  /** pg-boss queue, created by a migration: pg-boss never changes the schema at run time. */
  queue: string;
  /** Name in logs and in /metrics (`first_step_job_runs_total{job}`). */
  name: string;
  /** Five-field cron expression, UTC. */
  cron: string;
  /** One run. Callable directly too (tests, with the Clock they control). */
  work: () => Promise<unknown>;
}

/**
 * pg-boss options shared by every instance. Its pool is the app's (pgBossDb); `migrate: false`
 * makes start fail unless the reviewed migration installed exactly this pg-boss's schema.
 * Every instance runs the timekeeper: each check, one instance (pg-boss's `cron_on` stamp)
 * puts each due schedule slot's job in the queue, once (a singleton per schedule and minute),
 * and one worker of one instance takes it (SKIP LOCKED). Maintenance (expiring runs that
 * outlived their expiry, archiving) runs on one instance at a time too.
 */
export function createBoss(dataSource: DataSource, pollSeconds: number): PgBoss {
  return new PgBoss({
    db: pgBossDb(dataSource),
    schema: PGBOSS_SCHEMA,
    migrate: false,
    schedule: true,
    supervise: true,
    cronMonitorIntervalSeconds: pollSeconds,
    cronWorkerIntervalSeconds: pollSeconds,
    pollingIntervalSeconds: pollSeconds,
  });
}

/**
 * Scheduled jobs on PostgreSQL through pg-boss: several instances never run one job twice
 * (the queues are `stately`: one run waiting and one running per job across all instances)
 * and a failed run is recorded and retried (pgboss.job, /metrics). Each job registers itself
 * (`register`) when it is constructed; the server starts pg-boss once every module is ready,
 * the admin CLI never does (backgroundJobs off).
 *
 * The sub-second loops (audit sequencer, webhook dispatch and delivery) stay on
 * PeriodicRunner: see its comment.
 */
@Injectable()
export class ScheduledJobs implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ScheduledJobs.name);
  private readonly jobs = new Map<string, ScheduledJob>();
  private boss?: PgBoss;
  private starting?: Promise<unknown>;
  private retryTimer?: NodeJS.Timeout;
  private stopping = false;

  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
  ) {}

  register(job: ScheduledJob): void {
    this.jobs.set(job.queue, job);
  }

  /** The running pg-boss, if this process runs the scheduled jobs (tests read its queues). */
  get running(): PgBoss | undefined {
    return this.boss;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.backgroundJobs) return;
    this.stopping = false;
    const started = this.tryStart();
    this.starting = started;
    if (await started) return;
    // MIGRATIONS_RUN=false: the release migrates the database itself, maybe after this
    // instance starts. Until pg-boss's schema is there, the scheduled jobs wait for it.
    this.logger.warn('pg-boss schema not installed (migrations pending): scheduled jobs wait');
    this.retryLater();
  }

  private retryLater(): void {
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      const started = this.tryStart().then(
        (done) => {
          if (!done) this.retryLater();
        },
        (error: unknown) => {
          this.logger.error({ err: loggableError(error) }, 'scheduled jobs failed to start');
          this.retryLater();
        },
      );
      this.starting = started.then(() => true);
    }, this.config.scheduledJobsPollSeconds * 1000);
    this.retryTimer.unref();
  }

  /**
   * Starts pg-boss and the jobs; false when its schema is not installed yet and migrations
   * are left to the release (with MIGRATIONS_RUN, the migrations ran before: a missing or
   * older schema is a bug, and start fails).
   */
  private async tryStart(): Promise<boolean> {
    if (this.stopping) return true;
    const boss = createBoss(this.dataSource, this.config.scheduledJobsPollSeconds);
    // An EventEmitter without an 'error' listener would throw: pg-boss reports failed polls
    // and maintenance here and carries on.
    boss.on('error', (error) => this.logger.error({ err: loggableError(error) }, 'pg-boss error'));
    try {
      await boss.start();
    } catch (error) {
      if (this.config.runMigrations || !(await this.schemaMissing(boss))) throw error;
      return false;
    }
    try {
      for (const job of this.jobs.values()) await this.start(boss, job);
    } catch (error) {
      await this.stopBoss(boss);
      throw error;
    }
    if (this.stopping) await this.stopBoss(boss);
    else this.boss = boss;
    return true;
  }

  private async schemaMissing(boss: PgBoss): Promise<boolean> {
    try {
      return !(await boss.isInstalled()) || (await boss.schemaVersion()) !== PGBOSS_SCHEMA_VERSION;
    } catch {
      return false;
    }
  }

  private async start(boss: PgBoss, job: ScheduledJob): Promise<void> {
    if (!(await boss.getQueue(job.queue))) {
      throw new Error(`pg-boss queue ${job.queue} is missing: a migration creates it`);
    }
    // Upserted by every instance: the same row, so the last start's cron wins (all equal).
    // One singleton key for schedule and start runs, so `stately` counts them together.
    await boss.schedule(
      job.queue,
      job.cron,
      { trigger: 'schedule' },
      {
        tz: 'UTC',
        singletonKey: job.queue,
      },
    );
    // A run at start, as before pg-boss: instances starting within the same minute share one.
    // Sent before the worker starts, whose first poll then takes it at once.
    await boss.send(
      job.queue,
      { trigger: 'start' },
      { singletonKey: job.queue, singletonSeconds: 60 },
    );
    await boss.work(job.queue, { batchSize: 1 }, async ([run]) => {
      try {
        const result = await job.work();
        recordJobRun(job.name, false);
        return result;
      } catch (error) {
        recordJobRun(job.name, true);
        this.logger.error(
          { err: loggableError(error), job: job.name, pgBossJobId: run.id },
          'scheduled job run failed',
        );
        // pg-boss records the failure on the job and retries it (the queue's retry policy).
        throw error;
      }
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.starting?.catch(() => undefined);
    const boss = this.boss;
    this.boss = undefined;
    if (boss) await this.stopBoss(boss);
  }

  /**
   * Waits for a run in progress (up to the shutdown timeout), then fails what is still active
   * so another instance retries it; the pool stays open (it is the app's).
   */
  private stopBoss(boss: PgBoss): Promise<void> {
    return boss.stop({
      graceful: true,
      wait: true,
      close: false,
      timeout: Math.max(this.config.shutdownTimeoutMs, 1000),
    });
  }
}

@Global()
@Module({ providers: [ScheduledJobs], exports: [ScheduledJobs] })
export class ScheduledJobsModule {}
