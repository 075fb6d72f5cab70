import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import type { EventData, EventType } from './event-types';

export interface NewEvent {
  type: EventType;
  /** The enrollment the event concerns: visible to whoever may see that enrollment. */
  enrollmentId?: string;
  /** An agency the event is addressed to, visible to it regardless of enrollment scope. */
  agencyId?: string;
  data: EventData;
}

/**
 * Transactional outbox: events are rows written by the same transaction as the change they
 * describe, so a change is never published without being committed, nor committed unpublished.
 */
@Injectable()
export class Outbox {
  constructor(private readonly uow: UnitOfWork) {}

  async emit(...events: NewEvent[]): Promise<void> {
    if (!this.uow.inTransaction) {
      throw new Error('Outbox.emit must run inside UnitOfWork.run (transactional outbox)');
    }
    if (events.length === 0) return;
    const values: unknown[] = [];
    const rows = events.map((event, i) => {
      values.push(
        event.type,
        event.enrollmentId ?? null,
        event.agencyId ?? null,
        JSON.stringify(event.data),
      );
      const p = i * 4;
      return `($${p + 1}, $${p + 2}::uuid, $${p + 3}::uuid, $${p + 4}::jsonb)`;
    });
    await this.uow.manager.query(
      `INSERT INTO outbox_events (type, enrollment_id, agency_id, data) VALUES ${rows.join(', ')}`,
      values,
    );
  }
}
