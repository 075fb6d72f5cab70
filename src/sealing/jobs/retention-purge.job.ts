import { Injectable } from '@nestjs/common';
import { Clock } from '../../infrastructure/clock/clock';
import { ScheduledJobs } from '../../infrastructure/jobs/scheduled-jobs';
import { PurgeRun, RetentionPurgeService } from '../retention-purge.service';

/** Retention is counted in years: an hour's delay is immaterial. */
const HOURLY = '0 * * * *';

/** Operator name the scheduled purge records on its destruction records and audit entries. */
export const SCHEDULER_OPERATOR = 'scheduler';

/**
 * Runs the retention purge on pg-boss every hour (and at start), as of the Clock's now: one
 * instance runs each slot. A purge run by hand (the CLI) at the same time skips the records
 * this one is purging (SKIP LOCKED), and the purge is once-only per record.
 */
@Injectable()
export class RetentionPurgeJob {
  static readonly QUEUE = 'retention-purge';

  constructor(
    private readonly purge: RetentionPurgeService,
    private readonly clock: Clock,
    scheduledJobs: ScheduledJobs,
  ) {
    scheduledJobs.register({
      queue: RetentionPurgeJob.QUEUE,
      name: RetentionPurgeJob.name,
      cron: HOURLY,
      work: () => this.runOnce(),
    });
  }

  /** One run, as of now by the Clock. */
  runOnce(): Promise<PurgeRun> {
    return this.purge.purge({ asOf: this.clock.now(), operator: SCHEDULER_OPERATOR });
  }
}
