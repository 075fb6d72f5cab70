import { isoTimestampSql } from '../infrastructure/database/iso-timestamp';
import { REDISCLOSURE_NOTICE_42_CFR_2_32 } from '../privacy/part2';
import type { EventDto } from './dto/event.dto';
import type { EventData, EventType } from './event-types';

/** An outbox row as one reader (an agency) is shown it. */
export interface EventRow {
  position: string;
  id: string;
  type: EventType;
  occurred_at: Date;
  agency_id: string | null;
  data: EventData;
  /** True when the event discloses 42 CFR Part 2 session records to this reader's agency. */
  part2_disclosure?: boolean;
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

/**
 * The same JSON as `toEventDto` (same keys, in the same order, the optional ones left out
 * the same way), written by PostgreSQL as text: for the feed, which sends a page of events
 * without parsing the payloads into objects and serialising them again. `o` is the
 * `outbox_events` alias, `part2Disclosure` the SQL of the reader's 42 CFR Part 2 rule
 * (`sessionDetailEventScope`), `notice` the SQL of the notice already as JSON
 * (`REDISCLOSURE_NOTICE_JSON_SQL`). Ids are uuids and types plain names, quoted as they are; the
 * payload is the stored jsonb's text (PostgreSQL's spacing, the same keys and values);
 * `occurredAt` is formatted like `Date.toISOString` (isoTimestampSql).
 * `test/events.e2e-spec.ts` checks it equals `toEventDto` of the same rows.
 */
export function eventJsonSql(o: string, part2Disclosure: string, notice: string): string {
  return `('{"id":"' || ${o}.id || '","type":' || to_json(${o}.type)::text
    || ',"occurredAt":"' || ${isoTimestampSql(`${o}.occurred_at`)} || '"'
    || CASE WHEN ${o}.agency_id IS NULL THEN '' ELSE ',"agencyId":"' || ${o}.agency_id || '"' END
    || ',"data":' || ${o}.data::text
    || CASE WHEN ${part2Disclosure} THEN ',"redisclosureNotice":' || ${notice} ELSE '' END
    || '}')`;
}

/** The 42 CFR 2.32 notice as a JSON string, as a SQL string literal (a constant of ours). */
export const REDISCLOSURE_NOTICE_JSON_SQL = `'${JSON.stringify(REDISCLOSURE_NOTICE_42_CFR_2_32).replace(/'/g, "''")}'`;
