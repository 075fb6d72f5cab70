import { AppConfig } from '../../common/config/app-config';
import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '../../infrastructure/clock/clock';
import { PeriodicRunner } from '../../infrastructure/jobs/periodic-runner';
import { PurgeRun, RetentionPurgeService } from '../retention-purge.service';

/** Retention is counted in years: an hour's delay is immaterial. */
const INTERVAL_MS = 60 * 60 * 1000;

/** Operator name the scheduled purge records on its destruction records and audit entries. */
export const SCHEDULER_OPERATOR = 'scheduler';

/**
 * Runs the retention purge at start and every hour on every instance, as of the Clock's now.
 * Instances skip the records another one is purging (SKIP LOCKED) and the purge itself is
 * once-only per record, so any number may run it at once.
 */
@Injectable()
export class RetentionPurgeJob implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly runner = new PeriodicRunner(RetentionPurgeJob.name, INTERVAL_MS, () =>
    this.runOnce(),
  );

  constructor(
    private readonly config: AppConfig,
    private readonly purge: RetentionPurgeService,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.backgroundJobs) this.runner.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runner.stop();
  }

  /** One run, as of now by the Clock. */
  runOnce(): Promise<PurgeRun> {
    return this.purge.purge({ asOf: this.clock.now(), operator: SCHEDULER_OPERATOR });
  }
}
