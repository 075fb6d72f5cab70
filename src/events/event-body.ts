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
