import { SUBSCRIBED_EVENTS } from './config.js';
import { log } from './log.js';

/**
 * Reuses the webhook subscription recorded in the state file, or creates one.
 *
 * The API shows a subscription's signing secret only in the answer that creates it (not in
 * `GET /webhook-subscriptions`, not in an Idempotency-Key replay), and a subscription's
 * secret cannot be rotated yet. So a subscription this program has no secret for is useless
 * to it: one pointing at our URL but not in the state file (a crash between creating it and
 * saving the secret, or a lost state file) is deleted and replaced, or every delivery to it
 * would fail verification here and be retried for a day.
 */
export async function ensureSubscription(api, state, config) {
  const existing = await listSubscriptions(api);
  const saved = state.subscription;
  const reusable =
    saved &&
    saved.secret &&
    saved.url === config.publicWebhookUrl &&
    sameEvents(saved.events, SUBSCRIBED_EVENTS) &&
    existing.some((s) => s.id === saved.id);
  if (reusable) {
    log.info('reusing webhook subscription', { subscriptionId: saved.id });
    return saved;
  }

  const stale = existing.filter((s) => s.url === config.publicWebhookUrl || s.id === saved?.id);
  for (const subscription of stale) {
    await api.delete(`/api/v1/webhook-subscriptions/${subscription.id}`);
    log.info('deleted a webhook subscription this program has no secret for', {
      subscriptionId: subscription.id,
    });
  }

  // No Idempotency-Key: a replay would not return the secret. A lost answer leaves an
  // orphan with our URL, which the next start deletes (above).
  const { body: created } = await api.post('/api/v1/webhook-subscriptions', {
    url: config.publicWebhookUrl,
    events: SUBSCRIBED_EVENTS,
  });
  const subscription = {
    id: created.id,
    url: created.url,
    events: created.events,
    secret: created.secret,
  };
  await state.setSubscription(subscription);
  log.info('created webhook subscription', { subscriptionId: subscription.id });
  return subscription;
}

async function listSubscriptions(api) {
  const all = [];
  let cursor;
  do {
    const { body } = await api.get('/api/v1/webhook-subscriptions', { limit: 100, cursor });
    all.push(...body.items);
    cursor = body.nextCursor;
  } while (cursor);
  return all;
}

function sameEvents(a = [], b = []) {
  return a.length === b.length && a.every((type) => b.includes(type));
}
