import type { EventType } from '../../events/event-types';

/** What a subscription asked for. */
export interface SubscriptionInterest {
  id: string;
  agencyId: string;
  events: readonly string[];
}

/** What the matching needs to know of an outbox event. */
export interface MatchableEvent {
  id: string;
  type: EventType;
  /** The agency the event is addressed to, if any. */
  agencyId: string | null;
}

/**
 * Events an agency must act on, sent to every one of its subscriptions whatever types they
 * chose (API.md: "arrest_record.sealed goes to the arresting agency's subscriptions whatever
 * they subscribed to"): it must seal its copy.
 */
export const ALWAYS_DELIVERED_TO_ADDRESSEE: readonly EventType[] = ['arrest_record.sealed'];

/**
 * Whether a subscription asked for an event: it named the type, or the event is one its
 * agency must act on and is addressed to it. This is the subscription's choice only; whether
 * its agency may see the event at all (enrollment scope, session details, sealing) is the
 * privacy rule, applied in SQL when the deliveries are written.
 */
export function subscriptionWants(
  subscription: SubscriptionInterest,
  event: MatchableEvent,
): boolean {
  return (
    subscription.events.includes(event.type) ||
    (ALWAYS_DELIVERED_TO_ADDRESSEE.includes(event.type) && event.agencyId === subscription.agencyId)
  );
}

export interface CandidateDelivery {
  subscriptionId: string;
  eventId: string;
}

/** Every (subscription, event) pair where the subscription wants the event, in event order. */
export function candidateDeliveries(
  subscriptions: readonly SubscriptionInterest[],
  events: readonly MatchableEvent[],
): CandidateDelivery[] {
  return events.flatMap((event) =>
    subscriptions
      .filter((subscription) => subscriptionWants(subscription, event))
      .map((subscription) => ({ subscriptionId: subscription.id, eventId: event.id })),
  );
}
