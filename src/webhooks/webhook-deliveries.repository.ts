import { Injectable } from '@nestjs/common';
import { keysetTimestampSql } from '../common/pagination/keyset';
import type { Caller } from '../identity/access/caller';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface DeliveryRow {
  id: string;
  event_id: string;
  event_type: string;
  status: DeliveryStatus;
  created_at: Date;
  /** `created_at` as Keyset cursor text (microseconds, UTC). */
  cursor_at: string;
  next_attempt_at: Date;
  delivered_at: Date | null;
  failed_at: Date | null;
}

export interface AttemptRow {
  delivery_id: string;
  attempted_at: Date;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
}

/** Deliveries of subscriptions the caller's agency owns and has not deleted. */
const OWNED = `JOIN webhook_subscriptions s ON s.id = d.subscription_id
                AND s.agency_id = $1 AND s.deleted_at IS NULL`;

const DELIVERY_COLUMNS = `d.id, d.event_id, o.type AS event_type, d.status, d.created_at,
  ${keysetTimestampSql('d.created_at')} AS cursor_at, d.next_attempt_at, d.delivered_at, d.failed_at`;

/**
 * The `webhook_deliveries` and `webhook_delivery_attempts` tables: one delivery per
 * subscription and event, every attempt recorded. Reads for partners are scoped to the
 * caller's agency in SQL.
 */
@Injectable()
export class WebhookDeliveriesRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /** A subscription's deliveries after the key `[createdAt, id]`, oldest first: `limit` rows. */
  async page(
    caller: Caller,
    subscriptionId: string,
    after: readonly string[] | undefined,
    limit: number,
  ): Promise<DeliveryRow[]> {
    return this.uow.manager.query<DeliveryRow[]>(
      `SELECT ${DELIVERY_COLUMNS}
         FROM webhook_deliveries d ${OWNED}
         JOIN outbox_events o ON o.id = d.event_id
        WHERE d.subscription_id = $2
          AND ($3::timestamptz IS NULL OR (d.created_at, d.id) > ($3::timestamptz, $4::uuid))
        ORDER BY d.created_at, d.id LIMIT $5`,
      [caller.agencyId, subscriptionId, after?.[0] ?? null, after?.[1] ?? null, limit],
    );
  }

  async findOne(
    caller: Caller,
    subscriptionId: string,
    deliveryId: string,
  ): Promise<DeliveryRow | null> {
    const [row] = await this.uow.manager.query<DeliveryRow[]>(
      `SELECT ${DELIVERY_COLUMNS}
         FROM webhook_deliveries d ${OWNED}
         JOIN outbox_events o ON o.id = d.event_id
        WHERE d.subscription_id = $2 AND d.id = $3`,
      [caller.agencyId, subscriptionId, deliveryId],
    );
    return row ?? null;
  }

  /** Every attempt of these deliveries, oldest first, in one query. */
  async attemptsOf(deliveryIds: readonly string[]): Promise<AttemptRow[]> {
    if (deliveryIds.length === 0) return [];
    return this.uow.manager.query<AttemptRow[]>(
      `SELECT delivery_id, attempted_at, status_code, latency_ms, error FROM webhook_delivery_attempts
        WHERE delivery_id = ANY($1::uuid[]) ORDER BY attempted_at, id`,
      [deliveryIds],
    );
  }

  /** Locks the delivery for the rest of the transaction and returns its status. */
  async lockStatus(
    caller: Caller,
    subscriptionId: string,
    deliveryId: string,
  ): Promise<DeliveryStatus | null> {
    const [row] = await this.uow.manager.query<{ status: DeliveryStatus }[]>(
      `SELECT d.status FROM webhook_deliveries d ${OWNED}
        WHERE d.subscription_id = $2 AND d.id = $3 FOR UPDATE OF d`,
      [caller.agencyId, subscriptionId, deliveryId],
    );
    return row?.status ?? null;
  }

  /** Puts a delivery back in the queue, due now, with a fresh retry window. */
  async requeue(deliveryId: string): Promise<void> {
    await this.uow.manager.query(
      `UPDATE webhook_deliveries SET status = 'pending', failed_at = NULL, next_attempt_at = now(),
              retry_window_started_at = now() WHERE id = $1`,
      [deliveryId],
    );
  }
}
