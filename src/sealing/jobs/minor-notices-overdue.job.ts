import { Injectable } from '@nestjs/common';
import { EnrollmentsRepository } from '../../enrollments/enrollments.repository';
import { Outbox } from '../../events/outbox.service';
import { Clock } from '../../infrastructure/clock/clock';
import { UnitOfWork } from '../../infrastructure/database/unit-of-work';
import { ScheduledJobs } from '../../infrastructure/jobs/scheduled-jobs';
import { MINOR_NOTIFICATION_PERIOD_DAYS } from '../statutory-clocks';

/** Deadlines are days long: a minute's delay in reporting one is immaterial. */
const EVERY_MINUTE = '* * * * *';
/** Enrollments per transaction. */
const BATCH_SIZE = 500;

/**
 * Flags minors' written notices that are overdue (30 days after the last acknowledgement,
 * WIC 786.5(b), the minor not yet told) and emits `minor_notice.overdue` to the owning
 * agency, once each, in the same transaction. Scheduled on pg-boss every minute (and at
 * start), as of the Clock's now: one instance runs each slot; the flag also skips rows
 * another run holds.
 */
@Injectable()
export class MinorNoticesOverdueJob {
  static readonly QUEUE = 'minor-notices-overdue';

  constructor(
    private readonly uow: UnitOfWork,
    private readonly enrollments: EnrollmentsRepository,
    private readonly outbox: Outbox,
    private readonly clock: Clock,
    scheduledJobs: ScheduledJobs,
  ) {
    scheduledJobs.register({
      queue: MinorNoticesOverdueJob.QUEUE,
      name: MinorNoticesOverdueJob.name,
      cron: EVERY_MINUTE,
      work: () => this.runUntilIdle(),
    });
  }

  /** Flags every overdue notice so far, a batch per transaction; returns how many. */
  async runUntilIdle(): Promise<number> {
    let total = 0;
    for (;;) {
      const flagged = await this.runOnce();
      total += flagged;
      if (flagged < BATCH_SIZE) return total;
    }
  }

  async runOnce(): Promise<number> {
    const now = this.clock.now();
    return this.uow.run(async () => {
      const overdue = await this.enrollments.markMinorNoticesOverdueOnce(
        now,
        MINOR_NOTIFICATION_PERIOD_DAYS,
        BATCH_SIZE,
      );
      await this.outbox.emit(
        ...overdue.map((o) => ({
          type: 'minor_notice.overdue' as const,
          enrollmentId: o.enrollmentId,
          data: { enrollmentId: o.enrollmentId, dueAt: new Date(o.dueAt).toISOString() },
        })),
      );
      return overdue.length;
    });
  }
}
