import { EVENT_TYPES } from '../../events/event-types';
import { AGENCY_KINDS } from '../../identity/agencies/agency-kind';
import { eventTypesReachableBy, unreachableEventTypes } from './event-reach';

const SEALING = ['arrest_record.sealed', 'sealing_notice.acknowledged', 'sealing_notice.overdue'];
const ENROLLMENT = [
  'enrollment.created',
  'enrollment.activated',
  'enrollment.status_changed',
  'enrollment.extended',
  'milestone.created',
  'milestone.met',
  'milestone.corrected',
  'milestone.removed',
  'attendance.recorded',
  'attendance.voided',
  'enrollment.completed',
];

describe('eventTypesReachableBy', () => {
  it('law enforcement delivers no service and owns no enrollment: only the sealing of its copies', () => {
    expect(eventTypesReachableBy('law_enforcement')).toEqual(SEALING);
    expect(
      unreachableEventTypes('law_enforcement', ['attendance.recorded', 'milestone.met']),
    ).toEqual(['attendance.recorded', 'milestone.met']);
  });

  it('a court gets the sealing of a record it took a copy of, and nothing about enrollments', () => {
    expect(eventTypesReachableBy('court')).toEqual(SEALING);
  });

  it.each(['service_provider', 'ngo', 'child_welfare'] as const)(
    '%s sees the enrollments it serves, never a sealing or a participant registration',
    (kind) => {
      expect(eventTypesReachableBy(kind).sort()).toEqual([...ENROLLMENT].sort());
    },
  );

  it.each(['district_attorney', 'probation'] as const)(
    '%s owns enrollments and can hold a copy: everything',
    (kind) => {
      expect(eventTypesReachableBy(kind)).toEqual([...EVENT_TYPES]);
    },
  );

  it('the system agency owns what admins register, but never holds a copy of an arrest record', () => {
    expect(eventTypesReachableBy('system')).toEqual(
      EVENT_TYPES.filter((type) => type !== 'arrest_record.sealed'),
    );
  });

  it('every event type reaches some kind of agency, and every kind some event type', () => {
    const reached = new Set(AGENCY_KINDS.flatMap(eventTypesReachableBy));
    expect([...reached].sort()).toEqual([...EVENT_TYPES].sort());
    for (const kind of AGENCY_KINDS) expect(eventTypesReachableBy(kind).length).toBeGreaterThan(0);
  });

  it('names only the unreachable ones, in the order asked', () => {
    expect(
      unreachableEventTypes('service_provider', [
        'milestone.met',
        'sealing_notice.overdue',
        'participant.created',
      ]),
    ).toEqual(['sealing_notice.overdue', 'participant.created']);
    expect(unreachableEventTypes('district_attorney', [...EVENT_TYPES])).toEqual([]);
  });
});
