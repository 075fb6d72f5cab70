import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import type { NewEvent } from './event-types';
import { OutboxRepository } from './outbox.repository';

export type { NewEvent } from './event-types';

/**
 * Transactional outbox: events are rows written by the same transaction as the change they
 * describe, so a change is never published without being committed, nor committed unpublished.
 */
@Injectable()
export class Outbox {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly outbox: OutboxRepository,
  ) {}

  async emit(...events: NewEvent[]): Promise<void> {
    if (!this.uow.inTransaction) {
      throw new Error('Outbox.emit must run inside UnitOfWork.run (transactional outbox)');
    }
    await this.outbox.insert(events);
  }
}
