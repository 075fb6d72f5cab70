import { AppConfig } from '../config/app-config';
import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { UnitOfWork } from '../../infrastructure/database/unit-of-work';
import { PeriodicRunner } from '../../infrastructure/jobs/periodic-runner';
import { IdempotencyStore } from './idempotency-store.repository';

/** Expired responses are never replayed (the store reads unexpired ones only): this only frees space. */
const INTERVAL_MS = 10 * 60 * 1000;
/** Rows per transaction: short transactions, however much has expired. */
const BATCH_SIZE = 1000;

/**
 * Deletes stored Idempotency-Key responses once their 24 hours are over. Runs on every
 * instance, at start and every ten minutes; instances skip the rows another one is deleting
 * (SKIP LOCKED), so any number may run it at once.
 */
@Injectable()
export class IdempotencyExpiryJob implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly runner = new PeriodicRunner(IdempotencyExpiryJob.name, INTERVAL_MS, () =>
    this.runUntilIdle(),
  );

  constructor(
    private readonly config: AppConfig,
    private readonly uow: UnitOfWork,
    private readonly store: IdempotencyStore,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.backgroundJobs) this.runner.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runner.stop();
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
