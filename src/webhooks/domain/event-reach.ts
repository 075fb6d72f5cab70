import { EVENT_TYPES, type EventType } from '../../events/event-types';
import {
  AGENCY_KINDS,
  AGENCY_KINDS_FOR_ROLE,
  type AgencyKind,
  SERVICE_DELIVERING_KINDS,
} from '../../identity/agencies/agency-kind';

/**
 * Which event types can ever reach an agency of a given kind, by webhook or feed: a
 * subscription naming any other type would wait forever, so it is refused (422) and the
 * partner learns at once that it is looking in the wrong place.
 *
 * An event reaches an agency through the part it plays in a case:
 * - `owner`: registered the participant and owns the enrollment (coordinators' and admins'
 *   agencies). Gets what is addressed to it (participant.created) and everything about its
 *   enrollments, sealing notices included (it follows the statutory clocks).
 * - `provider`: delivers a milestone's service (service-delivering agencies). Sees the
 *   enrollments it serves, never sealing events (privacy/event-visibility.ts
 *   sealingEventScope): for a provider the arrest never happened.
 * - `copy_holder`: holds a copy of the arrest record, so gets the sealing notice and its
 *   events (sealing/copy-holders.ts): the arresting agency (law enforcement only, as
 *   arrest-records requires), and agencies that took the record out of this system (the
 *   owner's partner systems, court users reading it for review; never the system agency).
 */
type Part = 'owner' | 'provider' | 'copy_holder';

const OWNER_KINDS: readonly AgencyKind[] = [
  ...AGENCY_KINDS_FOR_ROLE.coordinator,
  ...AGENCY_KINDS_FOR_ROLE.admin,
];
const ARRESTING_KINDS: readonly AgencyKind[] = ['law_enforcement'];
const COPY_HOLDER_KINDS: readonly AgencyKind[] = [
  ...ARRESTING_KINDS,
  ...AGENCY_KINDS_FOR_ROLE.court,
  ...OWNER_KINDS.filter((kind) => kind !== 'system'),
];

const PARTS_BY_KIND: ReadonlyMap<AgencyKind, readonly Part[]> = new Map(
  AGENCY_KINDS.map((kind) => [
    kind,
    [
      ...(OWNER_KINDS.includes(kind) ? (['owner'] as const) : []),
      ...(SERVICE_DELIVERING_KINDS.includes(kind) ? (['provider'] as const) : []),
      ...(COPY_HOLDER_KINDS.includes(kind) ? (['copy_holder'] as const) : []),
    ],
  ]),
);

/** Who each event reaches (who emits what: see each type's Outbox.emit). Exhaustive. */
const REACHES = {
  'participant.created': ['owner'],
  'participant.corrected': ['owner'],
  'enrollment.created': ['owner', 'provider'],
  'enrollment.activated': ['owner', 'provider'],
  'enrollment.status_changed': ['owner', 'provider'],
  'enrollment.extended': ['owner', 'provider'],
  'enrollment.completed': ['owner', 'provider'],
  'milestone.created': ['owner', 'provider'],
  'milestone.met': ['owner', 'provider'],
  'milestone.corrected': ['owner', 'provider'],
  'milestone.removed': ['owner', 'provider'],
  'attendance.recorded': ['owner', 'provider'],
  'attendance.voided': ['owner', 'provider'],
  'arrest_record.sealed': ['copy_holder'],
  'sealing_notice.acknowledged': ['copy_holder', 'owner'],
  'sealing_notice.overdue': ['copy_holder', 'owner'],
  'minor_notice.overdue': ['owner'],
} as const satisfies Record<EventType, readonly Part[]>;

/** The event types an agency of this kind can ever receive, in EVENT_TYPES order. */
export function eventTypesReachableBy(kind: AgencyKind): EventType[] {
  const parts = PARTS_BY_KIND.get(kind) ?? [];
  return EVENT_TYPES.filter((type) =>
    (REACHES[type] as readonly Part[]).some((part) => parts.includes(part)),
  );
}

/** Those of `types` an agency of this kind can never receive. */
export function unreachableEventTypes(kind: AgencyKind, types: readonly EventType[]): EventType[] {
  const reachable = eventTypesReachableBy(kind);
  return types.filter((type) => !reachable.includes(type));
}
