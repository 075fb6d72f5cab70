import { EVENT_TYPES } from '../../events/event-types';
import { SEALING_EVENT_TYPES as PRIVACY_SEALING_TYPES } from '../../privacy/event-visibility';
import { BULK, CHANGE, deliveryPriority, SEALING, SEALING_EVENT_TYPES } from './delivery-priority';

describe('deliveryPriority', () => {
  it('puts every sealing event first: arrest_record.sealed, sealing_notice.*, the minor notification and minor_notice.*', () => {
    const sealing = EVENT_TYPES.filter(
      (type) =>
        type === 'arrest_record.sealed' ||
        type.startsWith('sealing_notice.') ||
        type === 'minor_notification.recorded' ||
        type.startsWith('minor_notice.'),
    );
    expect(sealing.map(deliveryPriority)).toEqual(sealing.map(() => SEALING));
    expect([...SEALING_EVENT_TYPES].sort()).toEqual([...sealing].sort());
  });

  it('agrees with the privacy rule on what a sealing event is', () => {
    expect([...SEALING_EVENT_TYPES].sort()).toEqual([...PRIVACY_SEALING_TYPES].sort());
  });

  it('puts attendance, which comes in batches of 1000, last', () => {
    expect(deliveryPriority('attendance.recorded')).toBe(BULK);
    expect(deliveryPriority('milestone.met')).toBe(CHANGE);
    expect(deliveryPriority('enrollment.completed')).toBe(CHANGE);
    expect(SEALING < CHANGE && CHANGE < BULK).toBe(true);
  });
});
