import { Injectable } from '@nestjs/common';
import { enrollmentVisibleTo, withScopeParameter } from '../privacy/visibility';
import { sealingEventScope, sessionDetailEventScope } from '../privacy/event-visibility';
import type { Caller } from '../identity/access/caller';
import { timeOrderedId } from '../infrastructure/database/time-ordered-id';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import { type EventRow, eventJsonSql, REDISCLOSURE_NOTICE_JSON_SQL } from './event-body';
import type { EventData, EventType, NewEvent } from './event-types';
import { FEED_MAX_LIMIT } from './dto/event.dto';
import type { FeedPosition } from './feed-cursor';

/** An outbox event as the webhook dispatcher fans it out: its place in commit order, its scope. */
export interface CommittedEvent extends FeedPosition {
  id: string;
  type: EventType;
  occurredAt: Date;
  agencyId: string | null;
  enrollmentId: string | null;
  data: EventData;
}

/** Who an event is being delivered to: the body differs by reader (the 42 CFR 2.32 notice). */
export interface EventRecipient {
  eventId: string;
  agencyId: string;
}

/** One event of a feed page: its place in commit order and its JSON as the reader is shown it. */
export interface FeedPageRow extends FeedPosition {
  event: string;
}

/**
 * Rows of commits older than every transaction still running: below this horizon no
 * transaction can add a row any more, so reading in (txid, position) order never skips one
 * that commits late. Positions alone are assigned at insert, not at commit.
 */
const BELOW_COMMIT_HORIZON = 'o.txid < pg_snapshot_xmin(pg_current_snapshot())';

/**
 * The `outbox_events` table: written by the transaction of each change (Outbox.emit), read
 * by the feed and by the webhook dispatcher in commit order, below the commit horizon.
 */
@Injectable()
export class OutboxRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /**
   * Writes the events in the current transaction (the caller checks there is one), in one
   * statement with a fixed parameter list whatever their number (arrays unnested server-side:
   * a batch of 1000 attendance records is five parameters, not 5000 to parse and plan). Ids
   * are time-ordered (time-ordered-id.ts), given here rather than by the column's random
   * default, so they append to the `id` index.
   */
  async insert(events: readonly NewEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.uow.manager.query(
      `INSERT INTO outbox_events (id, type, enrollment_id, agency_id, data)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::jsonb[])`,
      [
        events.map(() => timeOrderedId()),
        events.map((event) => event.type),
        events.map((event) => event.enrollmentId ?? null),
        events.map((event) => event.agencyId ?? null),
        events.map((event) => JSON.stringify(event.data)),
      ],
    );
  }

  /**
   * Removes an arrest record's details (booking number, charges, location, arrest time) from
   * every stored event about it, for the retention purge; ids and statuses stay. Returns how
   * many events changed.
   */
  async scrubArrestDetails(arrestRecordId: string): Promise<number> {
    const [rows] = await this.uow.manager.query<[{ id: string }[], number]>(
      `UPDATE outbox_events
          SET data = data - ARRAY['bookingNumber', 'charges', 'location', 'arrestedAt']
        WHERE data->>'arrestRecordId' = $1
          AND data ?| ARRAY['bookingNumber', 'charges', 'location', 'arrestedAt']
        RETURNING id`,
      [arrestRecordId],
    );
    return rows.length;
  }

  /**
   * A page of the feed after `after`, each event already as the JSON the API returns
   * (`eventJsonSql`): events addressed to the caller's agency or about an enrollment it may
   * see, attendance and plan details only for agencies entitled to session details, sealing
   * events only for the notified and the owning agency.
   *
   * A named prepared statement (`UnitOfWork.queryPrepared`) that PostgreSQL plans once per
   * connection: planning it cost as much as running it (EXPLAIN at medium, a first page of
   * 100: 0.5-0.7 ms to plan, 0.6 ms to run). PostgreSQL keeps a prepared statement's generic
   * plan only when its estimated cost is no higher than the custom plans' it tried first; with
   * the caller's agency and the cursor as plain parameters the custom plans, which see their
   * values, always looked cheaper, so it planned every call. Each parameter is therefore read
   * through a one-row subquery (`(SELECT $1::uuid)`, evaluated once per execution), opaque
   * to the planner in custom and generic plans alike: the same plan and the same cost, and
   * the generic plan is kept from the sixth call on. The limit is written into the text
   * (validated: 1 to FEED_MAX_LIMIT), as `LIMIT $n` is costed as a tenth of the table. One
   * text per kind of caller, page size and whether types are filtered.
   */
  async feedPage(
    caller: Caller,
    after: FeedPosition,
    options: { limit: number; types?: readonly EventType[] },
  ): Promise<FeedPageRow[]> {
    const limit = options.limit;
    if (!Number.isInteger(limit) || limit < 1 || limit > FEED_MAX_LIMIT) {
      throw new Error(`feed page size out of range: ${limit}`);
    }
    const agency = '(SELECT $1::uuid)';
    const visible = withScopeParameter(enrollmentVisibleTo(caller, 'e'), agency);
    const isAdmin = caller.kind === 'user' && caller.role === 'admin';
    const sessionDetails = sessionDetailEventScope('o', agency);
    const types = options.types?.length ? options.types : undefined;
    return this.uow.queryPrepared<FeedPageRow>(
      `SELECT o.txid::text AS txid, o.position::text AS position,
              ${eventJsonSql('o', sessionDetails.part2Disclosure, REDISCLOSURE_NOTICE_JSON_SQL)} AS event
         FROM outbox_events o
         LEFT JOIN enrollments e ON e.id = o.enrollment_id
        WHERE (o.txid, o.position) > ((SELECT $2::xid8), (SELECT $3::bigint))
          AND ${BELOW_COMMIT_HORIZON}
          AND (o.agency_id = ${agency} OR (o.enrollment_id IS NOT NULL AND ${visible}))
          AND ${isAdmin ? 'TRUE' : sessionDetails.visible}
          AND ${isAdmin ? 'TRUE' : sealingEventScope('o', 'e', agency)}
          ${types ? 'AND o.type = ANY ((SELECT $4::text[])::text[])' : ''}
        ORDER BY o.txid, o.position
        LIMIT ${limit}`,
      [caller.agencyId, after.txid, after.position, ...(types ? [types] : [])],
    );
  }

  /**
   * The webhook dispatcher's read: the next committed events after `after`, in commit order,
   * below the horizon, so a reader that moves its cursor past them never skips one.
   */
  async committedAfter(after: FeedPosition, limit: number): Promise<CommittedEvent[]> {
    return this.eventsAfter(after, { limit, belowHorizon: true });
  }

  /**
   * Events of these types committed after `after`, whether or not an earlier transaction is
   * still running: for a reader that looks ahead without moving its cursor (the dispatcher
   * fanning out sealing events first), so a long transaction elsewhere in the cluster does
   * not hold them back. In commit order as far as it is known.
   */
  async committedAheadOfHorizon(
    after: FeedPosition,
    types: readonly EventType[],
    limit: number,
  ): Promise<CommittedEvent[]> {
    return this.eventsAfter(after, { limit, types, belowHorizon: false });
  }

  private async eventsAfter(
    after: FeedPosition,
    options: { limit: number; types?: readonly EventType[]; belowHorizon: boolean },
  ): Promise<CommittedEvent[]> {
    return this.uow.manager.query<CommittedEvent[]>(
      `SELECT o.id, o.txid::text AS txid, o.position::text AS position, o.type,
              o.occurred_at AS "occurredAt", o.agency_id AS "agencyId",
              o.enrollment_id AS "enrollmentId", o.data
         FROM outbox_events o
        WHERE (o.txid, o.position) > ($1::xid8, $2::bigint)
          AND ${options.belowHorizon ? BELOW_COMMIT_HORIZON : 'TRUE'}
          AND ($4::text[] IS NULL OR o.type = ANY ($4::text[]))
        ORDER BY o.txid, o.position
        LIMIT $3`,
      [after.txid, after.position, options.limit, options.types ?? null],
    );
  }

  /** Events as each recipient agency is shown them, keyed `eventId/agencyId`. */
  async forRecipients(recipients: readonly EventRecipient[]): Promise<Map<string, EventRow>> {
    if (recipients.length === 0) return new Map();
    const rows = await this.uow.manager.query<(EventRow & { recipient_agency_id: string })[]>(
      `SELECT r.agency_id AS recipient_agency_id, o.position::text AS position, o.id, o.type,
              o.occurred_at, o.agency_id, o.data,
              ${sessionDetailEventScope('o', 'r.agency_id').part2Disclosure} AS part2_disclosure
         FROM unnest($1::uuid[], $2::uuid[]) AS r (event_id, agency_id)
         JOIN outbox_events o ON o.id = r.event_id`,
      [recipients.map((r) => r.eventId), recipients.map((r) => r.agencyId)],
    );
    return new Map(
      rows.map(({ recipient_agency_id, ...row }) => [
        recipientKey({ eventId: row.id, agencyId: recipient_agency_id }),
        row,
      ]),
    );
  }
}

export function recipientKey(recipient: EventRecipient): string {
  return `${recipient.eventId}/${recipient.agencyId}`;
}
