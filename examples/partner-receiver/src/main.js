#!/usr/bin/env node
/**
 * An example partner system for the First Step API: what a law-enforcement records system
 * needs to receive sealing notices and confirm them.
 *
 *   1. gets an access token (OAuth 2.0 client credentials) and renews it before it expires;
 *   2. creates its webhook subscription, or reuses the one in its state file;
 *   3. serves the webhook endpoint, verifying every delivery (Standard Webhooks);
 *   4. pages the event feed from its stored cursor, as a safety net for missed webhooks;
 *   5. on `arrest_record.sealed`, seals the local copy and acknowledges the sealing notice.
 *
 * Configuration: see ../README.md. Stops cleanly on SIGTERM or SIGINT.
 */
import { ConfigError, readConfig } from './config.js';
import { EventProcessor } from './event-processor.js';
import { startFeedPoller } from './feed-poller.js';
import { FirstStepClient } from './first-step-client.js';
import { describeError, log } from './log.js';
import { StateStore } from './state-store.js';
import { ensureSubscription } from './subscription.js';
import { startWebhookServer } from './webhook-server.js';

async function main() {
  const config = readConfig(process.env);
  const state = await StateStore.open(config.stateFile);
  const api = new FirstStepClient(config);
  await api.accessToken(); // wrong credentials or missing scopes stop the start here

  const subscription = await ensureSubscription(api, state, config);
  const processor = new EventProcessor({ api, state });
  const server = await startWebhookServer({
    host: config.host,
    port: config.port,
    path: config.webhookPath,
    secret: subscription.secret,
    processor,
  });
  const feed = startFeedPoller({
    api,
    state,
    processor,
    intervalMs: config.feedPollIntervalMs,
  });
  const { port } = server.address();
  log.info('ready', { port, webhookPath: config.webhookPath, subscriptionId: subscription.id });

  let stopping = false;
  const stop = async (signal) => {
    if (stopping) return;
    stopping = true;
    log.info('stopping', { signal });
    setTimeout(() => {
      log.error('stop timed out');
      process.exit(1);
    }, 10_000).unref();
    const closed = new Promise((resolve) => server.close(resolve)); // no new deliveries
    server.closeIdleConnections();
    await feed.stop();
    await processor.drain();
    await closed;
    await state.flush();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error) => {
  if (error instanceof ConfigError) {
    log.error(`configuration: ${error.message}`);
    process.exit(78);
  }
  log.error('start failed', describeError(error));
  process.exit(1);
});
