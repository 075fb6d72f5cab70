import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import type { NewAuditEntry } from './audit-entry';
import { AuditEventsRepository } from './audit-events.repository';

interface Waiting {
  entries: NewAuditEntry[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Enough rows per statement to amortise a round trip, few enough to stay far below the parameter limit. */
const MAX_ROWS_PER_FLUSH = 2000;

/**
 * The one way entries reach the trail.
 *
 * Inside an open transaction (a change), entries go into that transaction: the change and its
 * entries commit together or not at all. Outside one (a read, a refusal), entries of
 * concurrent requests are written together (group commit): while one INSERT is in flight,
 * the next requests' entries queue, and go in the next single INSERT. Each caller's promise
 * resolves only once its own entries are stored, so a read is never answered before it is on
 * record, and an idle server adds no delay at all.
 */
@Injectable()
export class AuditWriter {
  private queue: Waiting[] = [];
  private flushing = false;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly events: AuditEventsRepository,
  ) {}

  async record(entries: NewAuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    if (this.uow.inTransaction) {
      await this.events.insert(entries);
      return;
    }
    await new Promise<void>((resolve, reject) => {
      this.queue.push({ entries, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.takeBatch();
        try {
          await this.events.insert(batch.flatMap((waiting) => waiting.entries));
          batch.forEach((waiting) => waiting.resolve());
        } catch (error) {
          batch.forEach((waiting) => waiting.reject(error));
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private takeBatch(): Waiting[] {
    let rows = 0;
    let count = 0;
    while (
      count < this.queue.length &&
      (count === 0 || rows + this.queue[count].entries.length <= MAX_ROWS_PER_FLUSH)
    ) {
      rows += this.queue[count].entries.length;
      count += 1;
    }
    return this.queue.splice(0, count);
  }
}
