import { Injectable } from '@nestjs/common';
import {
  enrollmentVisibleTo,
  sealingEventScope,
  sessionDetailEventScope,
} from '../access-scope/visibility';
import { REDISCLOSURE_NOTICE_42_CFR_2_32 } from '../attendance/domain/redisclosure-notice';
import { DomainError } from '../common/errors/domain-error';
import type { Caller } from '../identity/access/caller';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import { EventDto, EventFeedQueryDto, EventPageDto } from './dto/event.dto';
import type { EventData, EventType } from './event-types';

export interface EventRow {
  position: string;
  id: string;
  type: EventType;
  occurred_at: Date;
  agency_id: string | null;
  data: EventData;
  /** True when the event discloses 42 CFR Part 2 session records to another agency. */
  part2_disclosure?: boolean;
}

const CURSOR_PREFIX = 'ev2.';

/** Where a reader is in the outbox: the last (transaction id, position) it was served. */
interface FeedPosition {
  txid: string;
  position: string;
}

function encodeFeedCursor({ txid, position }: FeedPosition): string {
  return CURSOR_PREFIX + Buffer.from(`${txid}:${position}`).toString('base64url');
}

function decodeFeedCursor(cursor: string | undefined): FeedPosition {
  if (!cursor) return { txid: '0', position: '0' };
  const match = cursor.startsWith(CURSOR_PREFIX)
    ? /^(\d{1,20}):(\d{1,19})$/.exec(
        Buffer.from(cursor.slice(CURSOR_PREFIX.length), 'base64url').toString('utf8'),
      )
    : null;
  if (!match) {
    throw new DomainError('VALIDATION_FAILED', 'The cursor is not valid', [
      { field: 'after', message: 'after must be a nextCursor returned by this feed' },
    ]);
  }
  return { txid: match[1], position: match[2] };
}

/**
 * The event feed: outbox rows in commit-safe order, filtered to what the caller's agency may see.
 *
 * Positions come from an identity column, assigned at insert: a transaction holding
 * position 15 can still be running when one holding 20 has committed. The feed therefore
 * serves only rows of transactions older than every transaction still in progress
 * (`txid < pg_snapshot_xmin(pg_current_snapshot())`), and orders them by (txid, position):
 * below that horizon no transaction can add a row any more, and any later row sorts after
 * the cursor, so pages have no gaps and no repeats.
 */
@Injectable()
export class EventFeedService {
  constructor(private readonly uow: UnitOfWork) {}

  async page(caller: Caller, query: EventFeedQueryDto): Promise<EventPageDto> {
    const after = decodeFeedCursor(query.after);
    const visible = enrollmentVisibleTo(caller, 'e');
    const isAdmin = caller.kind === 'user' && caller.role === 'admin';
    const sessionDetails = sessionDetailEventScope('o', ':scopeAgencyId');
    const builder = this.uow.manager
      .createQueryBuilder()
      .select([
        'o.position AS position',
        'o.txid::text AS txid',
        'o.id AS id',
        'o.type AS type',
        'o.occurred_at AS occurred_at',
      ])
      .addSelect(['o.agency_id AS agency_id', 'o.data AS data'])
      .addSelect(`${sessionDetails.part2Disclosure}`, 'part2_disclosure')
      .from('outbox_events', 'o')
      .leftJoin('enrollments', 'e', 'e.id = o.enrollment_id')
      .where('(o.txid, o.position) > (CAST(:afterTxid AS xid8), CAST(:afterPosition AS bigint))', {
        afterTxid: after.txid,
        afterPosition: after.position,
      })
      .andWhere('o.txid < pg_snapshot_xmin(pg_current_snapshot())')
      // Addressed to the caller's agency, or about an enrollment the caller may see.
      .andWhere(
        `(o.agency_id = :scopeAgencyId OR (o.enrollment_id IS NOT NULL AND ${visible.sql}))`,
        visible.params,
      )
      // Session details (attendance) only for the agencies the milestone's details are for.
      .andWhere(isAdmin ? 'TRUE' : sessionDetails.visible)
      .andWhere(isAdmin ? 'TRUE' : sealingEventScope('o', 'e', ':scopeAgencyId'))
      .orderBy('o.txid', 'ASC')
      .addOrderBy('o.position', 'ASC')
      .limit(query.limit);
    if (query.types?.length) builder.andWhere('o.type IN (:...types)', { types: query.types });
    const rows = await builder.getRawMany<EventRow & FeedPosition>();
    return {
      items: rows.map(toEventDto),
      nextCursor:
        rows.length > 0 ? encodeFeedCursor(rows[rows.length - 1]) : encodeFeedCursor(after),
    };
  }
}

/** The one JSON shape of an event, in the feed and in webhook bodies. */
export function toEventDto(row: EventRow): EventDto {
  return {
    id: row.id,
    type: row.type,
    occurredAt: new Date(row.occurred_at).toISOString(),
    ...(row.agency_id ? { agencyId: row.agency_id } : {}),
    data: row.data,
    ...(row.part2_disclosure ? { redisclosureNotice: REDISCLOSURE_NOTICE_42_CFR_2_32 } : {}),
  };
}
