import { Injectable } from '@nestjs/common';
import { agencyEnrollmentScope } from '../privacy/visibility';
import { sealingEventScope, sessionDetailEventScope } from '../privacy/event-visibility';
import { keysetTimestampSql } from '../common/pagination/keyset';
import type { CommittedEvent } from '../events/outbox.repository';
import type { FeedPosition } from '../events/feed-cursor';
import type { Caller } from '../identity/access/caller';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import { deliveryPriority } from './domain/delivery-priority';
import type { CandidateDelivery } from './domain/subscription-matching';

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

/** A delivery taken by one instance for one attempt, with where and how to send it. */
export interface ClaimedDelivery {
  id: string;
  subscriptionId: string;
  eventId: string;
  /** The subscription's agency: the event body is the one this agency is shown. */
  agencyId: string;
  /** Attempts including this one. */
  attempts: number;
  retryWindowStartedAt: Date;
  url: string;
  secretCiphertext: string;
  /** A rotated-out secret still within its overlap, or null. */
  previousSecretCiphertext: string | null;
  subscriptionDeleted: boolean;
}

/** The result of one attempt, and what follows from it. */
export interface AttemptRecord {
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  next: 'delivered' | 'failed' | 'retry';
  /** When `next` is retry: in how long. */
  retryInMs: number;
}

/** Any number: every instance that claims deliveries takes the same lock. */
const CLAIM_LOCK_KEY = 7_100_786_6;

/** Deliveries of subscriptions the caller's agency owns and has not deleted. */
const OWNED = `JOIN webhook_subscriptions s ON s.id = d.subscription_id
                AND s.agency_id = $1 AND s.deleted_at IS NULL`;

const DELIVERY_COLUMNS = `d.id, d.event_id, d.event_type, d.status, d.created_at,
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
  /** Undelivered (pending) deliveries per subscriber agency, and how long the oldest has waited. */
  async backlogByAgency(): Promise<{ agencyId: string; pending: number; oldestSeconds: number }[]> {
    return this.uow.manager.query(
      `SELECT s.agency_id AS "agencyId", count(*)::int AS pending,
              extract(epoch FROM now() - min(d.created_at))::float8 AS "oldestSeconds"
         FROM webhook_deliveries d
         JOIN webhook_subscriptions s ON s.id = d.subscription_id
        WHERE d.status = 'pending'
        GROUP BY s.agency_id`,
    );
  }

  async page(
    caller: Caller,
    subscriptionId: string,
    after: readonly string[] | undefined,
    limit: number,
  ): Promise<DeliveryRow[]> {
    return this.uow.manager.query<DeliveryRow[]>(
      `SELECT ${DELIVERY_COLUMNS}
         FROM webhook_deliveries d ${OWNED}
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

  /**
   * Takes the dispatch cursor (how far the outbox has been fanned out) for the rest of the
   * transaction; null when another instance is dispatching.
   */
  async lockDispatchCursor(): Promise<FeedPosition | null> {
    const [cursor] = await this.uow.manager.query<FeedPosition[]>(
      `SELECT txid::text AS txid, position::text AS position FROM webhook_dispatch_cursor
        WHERE singleton FOR UPDATE SKIP LOCKED`,
    );
    return cursor ?? null;
  }

  async advanceDispatchCursor(to: FeedPosition): Promise<void> {
    await this.uow.manager.query(
      `UPDATE webhook_dispatch_cursor SET txid = $1::xid8, position = $2 WHERE singleton`,
      [to.txid, to.position],
    );
  }

  /**
   * Writes a delivery for each candidate whose subscription is still live, existed when the
   * event occurred (a subscription gets what happens after it is made, however late the
   * dispatcher gets to an event), and whose agency may see the event (the privacy rules:
   * addressed to it, or about an enrollment it owns or serves; attendance only with the right
   * to session details; sealing events only for the notified and the owning agency), with
   * the event's priority and place in commit order. Existing deliveries are left as they are.
   * Returns how many were written.
   */
  async fanOut(
    candidates: readonly CandidateDelivery[],
    events: readonly CommittedEvent[],
  ): Promise<number> {
    if (candidates.length === 0) return 0;
    const [{ written }] = await this.uow.manager.query<{ written: number }[]>(
      `WITH written AS (
         INSERT INTO webhook_deliveries
           (subscription_id, event_id, event_type, priority, event_txid, event_position)
         SELECT s.id, o.id, o.type, o.priority, o.txid, o.position
           FROM jsonb_to_recordset($1::jsonb) AS c (subscription_id uuid, event_id uuid)
           JOIN webhook_subscriptions s ON s.id = c.subscription_id AND s.deleted_at IS NULL
           JOIN jsonb_to_recordset($2::jsonb)
                AS o (id uuid, type text, occurred_at timestamptz, agency_id uuid,
                      enrollment_id uuid, data jsonb, priority smallint, txid xid8, position bigint)
             ON o.id = c.event_id AND o.occurred_at >= s.created_at
           LEFT JOIN enrollments e ON e.id = o.enrollment_id
          WHERE (o.agency_id = s.agency_id OR (e.id IS NOT NULL AND ${agencyEnrollmentScope('e', 's.agency_id')}))
            AND ${sessionDetailEventScope('o', 's.agency_id').visible}
            AND ${sealingEventScope('o', 'e', 's.agency_id')}
          ORDER BY o.txid, o.position
         ON CONFLICT (subscription_id, event_id) DO NOTHING
         RETURNING 1)
       SELECT count(*)::int AS written FROM written`,
      [
        JSON.stringify(
          candidates.map((c) => ({ subscription_id: c.subscriptionId, event_id: c.eventId })),
        ),
        JSON.stringify(
          events.map((event) => ({
            id: event.id,
            type: event.type,
            occurred_at: event.occurredAt,
            agency_id: event.agencyId,
            enrollment_id: event.enrollmentId,
            data: event.data,
            priority: deliveryPriority(event.type),
            txid: event.txid,
            position: event.position,
          })),
        ),
      ],
    );
    return written;
  }

  /**
   * Claims due deliveries for one attempt each, at most `limit` in all and never more than
   * `perSubscription` in flight for one subscription, counting the attempts every instance
   * has in flight (leased_until). Sealing events first, then changes, then attendance; within
   * a priority, each subscription's deliveries in outbox (commit) order.
   *
   * A claim leases the delivery (due again, and no longer counted in flight, once the lease
   * is over) and commits before anything is sent: if the process dies mid-send, another
   * instance sends it again. Claims are serialised across instances by a transaction-scoped
   * advisory lock (a claim takes milliseconds), so two instances never both see a free slot
   * for the same subscription; SKIP LOCKED keeps them off rows a manual re-send holds.
   */
  async claimDue(options: {
    limit: number;
    perSubscription: number;
    leaseMs: number;
  }): Promise<ClaimedDelivery[]> {
    if (options.limit <= 0) return [];
    return this.uow.run(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock($1)`, [CLAIM_LOCK_KEY]);
      return manager.query<ClaimedDelivery[]>(
        `WITH in_flight AS (
           SELECT subscription_id, count(*)::int AS attempts FROM webhook_deliveries
            WHERE leased_until > now() GROUP BY subscription_id),
         due AS (
           SELECT id, subscription_id, priority, event_txid, event_position,
                  row_number() OVER (PARTITION BY subscription_id
                                     ORDER BY priority, event_txid, event_position) AS turn
             FROM webhook_deliveries
            WHERE status = 'pending' AND next_attempt_at <= now()),
         chosen AS (
           SELECT due.id FROM due LEFT JOIN in_flight USING (subscription_id)
            WHERE due.turn + coalesce(in_flight.attempts, 0) <= $2
            ORDER BY due.priority, due.event_txid, due.event_position
            LIMIT $1),
         locked AS (
           SELECT d.id FROM webhook_deliveries d JOIN chosen USING (id)
            WHERE d.status = 'pending' AND d.next_attempt_at <= now()
              FOR UPDATE OF d SKIP LOCKED),
         claimed AS (
           UPDATE webhook_deliveries d
              SET attempts = d.attempts + 1,
                  leased_until = now() + make_interval(secs => $3::double precision / 1000),
                  next_attempt_at = now() + make_interval(secs => $3::double precision / 1000)
             FROM locked WHERE d.id = locked.id
           RETURNING d.id, d.attempts, d.retry_window_started_at, d.subscription_id, d.event_id,
                     d.priority, d.event_txid, d.event_position)
         SELECT c.id, c.subscription_id AS "subscriptionId", c.event_id AS "eventId",
                s.agency_id AS "agencyId", c.attempts,
                c.retry_window_started_at AS "retryWindowStartedAt", s.url,
                s.secret_ciphertext AS "secretCiphertext",
                CASE WHEN s.previous_secret_expires_at > now() THEN s.previous_secret_ciphertext END
                  AS "previousSecretCiphertext",
                s.deleted_at IS NOT NULL AS "subscriptionDeleted"
           FROM claimed c JOIN webhook_subscriptions s ON s.id = c.subscription_id
          ORDER BY c.priority, c.event_txid, c.event_position`,
        [options.limit, options.perSubscription, options.leaseMs],
      );
    });
  }

  /**
   * Records an attempt and what follows: delivered, failed for good, or due again later. The
   * delivery leaves the in-flight count. Should the lease have run out and another instance
   * claimed the delivery meanwhile, the attempt is recorded but the newer claim decides.
   */
  async recordAttempt(delivery: ClaimedDelivery, attempt: AttemptRecord): Promise<void> {
    await this.uow.run(async (manager) => {
      await manager.query(
        `INSERT INTO webhook_delivery_attempts (delivery_id, status_code, latency_ms, error)
         VALUES ($1, $2, $3, $4)`,
        [delivery.id, attempt.statusCode, attempt.latencyMs, attempt.error],
      );
      await manager.query(
        `UPDATE webhook_deliveries SET
           status = $2::webhook_delivery_status,
           delivered_at = CASE WHEN $2 = 'delivered' THEN now() END,
           failed_at = CASE WHEN $2 = 'failed' THEN now() END,
           next_attempt_at = now() + make_interval(secs => $3::double precision / 1000),
           leased_until = NULL
         WHERE id = $1 AND attempts = $4`,
        [
          delivery.id,
          attempt.next === 'retry' ? 'pending' : attempt.next,
          attempt.next === 'retry' ? attempt.retryInMs : 0,
          delivery.attempts,
        ],
      );
    });
  }
}
