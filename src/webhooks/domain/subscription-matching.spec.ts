import { candidateDeliveries, subscriptionWants } from './subscription-matching';

const police = 'agency-police';
const da = 'agency-da';

describe('subscriptionWants', () => {
  it('matches the types a subscription named', () => {
    const sub = { id: 's', agencyId: da, events: ['enrollment.completed', 'milestone.met'] };
    expect(subscriptionWants(sub, { id: 'e', type: 'milestone.met', agencyId: null })).toBe(true);
    expect(subscriptionWants(sub, { id: 'e', type: 'attendance.recorded', agencyId: null })).toBe(
      false,
    );
  });

  it('sends arrest_record.sealed to every subscription of the agency it is addressed to, whatever they chose', () => {
    const sub = { id: 's', agencyId: police, events: ['sealing_notice.acknowledged'] };
    expect(
      subscriptionWants(sub, { id: 'e', type: 'arrest_record.sealed', agencyId: police }),
    ).toBe(true);
    // Addressed to another agency: only a subscription that named the type is a candidate
    // (and then the privacy rule decides, in SQL).
    expect(subscriptionWants(sub, { id: 'e', type: 'arrest_record.sealed', agencyId: da })).toBe(
      false,
    );
  });

  it('does not force other sealing events on anyone', () => {
    const sub = { id: 's', agencyId: police, events: ['arrest_record.sealed'] };
    expect(
      subscriptionWants(sub, { id: 'e', type: 'sealing_notice.overdue', agencyId: police }),
    ).toBe(false);
  });
});

describe('candidateDeliveries', () => {
  it('pairs each event with the subscriptions that want it, in event order', () => {
    const subscriptions = [
      { id: 'da-all', agencyId: da, events: ['attendance.recorded', 'enrollment.completed'] },
      { id: 'police-acks', agencyId: police, events: ['sealing_notice.acknowledged'] },
    ];
    const events = [
      { id: 'e1', type: 'attendance.recorded' as const, agencyId: null },
      { id: 'e2', type: 'arrest_record.sealed' as const, agencyId: police },
      { id: 'e3', type: 'participant.created' as const, agencyId: da },
    ];
    expect(candidateDeliveries(subscriptions, events)).toEqual([
      { subscriptionId: 'da-all', eventId: 'e1' },
      { subscriptionId: 'police-acks', eventId: 'e2' },
    ]);
  });
});
