import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '../../infrastructure/database/unit-of-work';
import { ScheduledJobs } from '../../infrastructure/jobs/scheduled-jobs';
import { IdempotencyStore } from './idempotency-store.repository';

/** Expired responses are never replayed (the store reads unexpired ones only): this only frees space. */
const EVERY_TEN_MINUTES = '*/10 * * * *';
/** Rows per transaction: short transactions, however much has expired. */
const BATCH_SIZE = 1000;

/**
 * Deletes stored Idempotency-Key responses once their 24 hours are over. Scheduled on
 * pg-boss every ten minutes (and at start): one instance runs each slot; the deletion also
 * skips rows another run holds (SKIP LOCKED).
 */
@Injectable()
export class IdempotencyExpiryJob {
  static readonly QUEUE = 'idempotency-expiry';

  constructor(
    private readonly uow: UnitOfWork,
    private readonly store: IdempotencyStore,
    scheduledJobs: ScheduledJobs,
  ) {
    scheduledJobs.register({
      queue: IdempotencyExpiryJob.QUEUE,
      name: IdempotencyExpiryJob.name,
      cron: EVERY_TEN_MINUTES,
      work: () => this.runUntilIdle(),
    });
  }

  /** Deletes every expired response, a batch per transaction; returns how many. */
  async runUntilIdle(): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.uow.run(() => this.store.deleteExpired(BATCH_SIZE));
      total += deleted;
      if (deleted < BATCH_SIZE) return total;
    }
  }
}
