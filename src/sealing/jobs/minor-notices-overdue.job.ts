import { AppConfig } from '../../common/config/app-config';
import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { EnrollmentsRepository } from '../../enrollments/enrollments.repository';
import { Outbox } from '../../events/outbox.service';
import { Clock } from '../../infrastructure/clock/clock';
import { UnitOfWork } from '../../infrastructure/database/unit-of-work';
import { PeriodicRunner } from '../../infrastructure/jobs/periodic-runner';
import { MINOR_NOTIFICATION_PERIOD_DAYS } from '../statutory-clocks';

/** Deadlines are days long: a minute's delay in reporting one is immaterial. */
const INTERVAL_MS = 60 * 1000;
/** Enrollments per transaction. */
const BATCH_SIZE = 500;

/**
 * Flags minors' written notices that are overdue (30 days after the last acknowledgement,
 * WIC 786.5(b), the minor not yet told) and emits `minor_notice.overdue` to the owning
 * agency, once each, in the same transaction. Runs on every instance at start and every
 * minute, as of the Clock's now; the flag skips rows another instance holds.
 */
@Injectable()
export class MinorNoticesOverdueJob implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly runner = new PeriodicRunner(MinorNoticesOverdueJob.name, INTERVAL_MS, () =>
    this.runUntilIdle(),
  );

  constructor(
    private readonly config: AppConfig,
    private readonly uow: UnitOfWork,
    private readonly enrollments: EnrollmentsRepository,
    private readonly outbox: Outbox,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.backgroundJobs) this.runner.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runner.stop();
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
