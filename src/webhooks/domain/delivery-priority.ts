import type { EventType } from '../../events/event-types';

/**
 * Which deliveries go first when several are due. Lower is sooner.
 * - 0, sealing: an agency must seal its copy of an arrest record (WIC 786.5); nothing a
 *   partner system does in bulk may hold that up.
 * - 1, change: status changes and plan changes, one at a time by nature.
 * - 2, bulk: attendance, which arrives in batches of up to 1000 records.
 */
export type DeliveryPriority = 0 | 1 | 2;

export const SEALING: DeliveryPriority = 0;
export const CHANGE: DeliveryPriority = 1;
export const BULK: DeliveryPriority = 2;

/** Every event type decides its priority here: a new type without one does not compile. */
const PRIORITY_BY_TYPE = {
  'arrest_record.sealed': SEALING,
  'sealing_notice.acknowledged': SEALING,
  'sealing_notice.overdue': SEALING,
  'participant.created': CHANGE,
  'participant.corrected': CHANGE,
  'enrollment.created': CHANGE,
  'enrollment.activated': CHANGE,
  'enrollment.status_changed': CHANGE,
  'enrollment.extended': CHANGE,
  'enrollment.completed': CHANGE,
  'milestone.created': CHANGE,
  'milestone.met': CHANGE,
  'milestone.corrected': CHANGE,
  'milestone.removed': CHANGE,
  'attendance.recorded': BULK,
  'minor_notice.overdue': SEALING,
  'attendance.voided': CHANGE,
} as const satisfies Record<EventType, DeliveryPriority>;

export function deliveryPriority(type: EventType): DeliveryPriority {
  return PRIORITY_BY_TYPE[type];
}

/** The types dispatched ahead of the outbox cursor (and delivered first). */
export const SEALING_EVENT_TYPES: readonly EventType[] = (
  Object.keys(PRIORITY_BY_TYPE) as EventType[]
).filter((type) => PRIORITY_BY_TYPE[type] === SEALING);
