import { Injectable } from '@nestjs/common';
import { Outbox } from '../../events/outbox.service';
import { UnitOfWork } from '../../infrastructure/database/unit-of-work';
import { ScheduledJobs } from '../../infrastructure/jobs/scheduled-jobs';
import { SealingNoticesRepository } from '../sealing-notices.repository';

/** Deadlines are days long: a minute's delay in reporting one is immaterial. */
const EVERY_MINUTE = '* * * * *';
/** Notices per transaction: short transactions, however many fall due at once. */
const BATCH_SIZE = 500;

/**
 * Reports sealing notices whose 60-day deadline (WIC 786.5) has passed without an
 * acknowledgement: each is marked once and `sealing_notice.overdue` is emitted, addressed to
 * the notified agency and about the enrollment (its owner follows the clocks), in the same
 * transaction. Scheduled on pg-boss every minute (and at start): one instance runs each
 * slot; the marking also skips rows another run holds, so a notice is reported exactly once.
 */
@Injectable()
export class SealingNoticesOverdueJob {
  static readonly QUEUE = 'sealing-notices-overdue';

  constructor(
    private readonly uow: UnitOfWork,
    private readonly notices: SealingNoticesRepository,
    private readonly outbox: Outbox,
    scheduledJobs: ScheduledJobs,
  ) {
    scheduledJobs.register({
      queue: SealingNoticesOverdueJob.QUEUE,
      name: SealingNoticesOverdueJob.name,
      cron: EVERY_MINUTE,
      work: () => this.runUntilIdle(),
    });
  }

  /** Reports every notice overdue so far, a batch per transaction; returns how many. */
  async runUntilIdle(): Promise<number> {
    let total = 0;
    for (;;) {
      const reported = await this.runOnce();
      total += reported;
      if (reported < BATCH_SIZE) return total;
    }
  }

  /** One transaction: marks up to a batch of notices and emits their events. */
  async runOnce(): Promise<number> {
    return this.uow.run(async () => {
      const overdue = await this.notices.markOverdueOnce(BATCH_SIZE);
      await this.outbox.emit(
        ...overdue.map((notice) => ({
          type: 'sealing_notice.overdue' as const,
          enrollmentId: notice.enrollmentId,
          agencyId: notice.agencyId,
          data: {
            sealingNoticeId: notice.id,
            arrestRecordId: notice.arrestRecordId,
            agencyId: notice.agencyId,
            dueAt: new Date(notice.dueAt).toISOString(),
          },
        })),
      );
      return overdue.length;
    });
  }
}
