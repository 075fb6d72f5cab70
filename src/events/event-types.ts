/** Event types partner systems can read and subscribe to (API.md "Events and webhooks"). */
export const EVENT_TYPES = [
  'participant.created',
  'enrollment.created',
  'enrollment.activated',
  'enrollment.status_changed',
  'enrollment.extended',
  'milestone.created',
  'milestone.met',
  'attendance.recorded',
  'attendance.voided',
  'milestone.corrected',
  'milestone.removed',
  'participant.corrected',
  'enrollment.completed',
  'arrest_record.sealed',
  'sealing_notice.acknowledged',
  'sealing_notice.overdue',
  'minor_notice.overdue',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * Event payloads carry ids, statuses and dates only: never names, notes, charges,
 * booking numbers or addresses. The type makes a string field impossible to slip in by
 * accident: values are ids/statuses/dates (strings), numbers, booleans or null.
 */
export type EventData = Record<string, string | number | boolean | null>;

/** An event to write to the outbox, in the transaction of the change it describes. */
export interface NewEvent {
  type: EventType;
  /** The enrollment the event concerns: visible to whoever may see that enrollment. */
  enrollmentId?: string;
  /** An agency the event is addressed to, visible to it regardless of enrollment scope. */
  agencyId?: string;
  data: EventData;
}
