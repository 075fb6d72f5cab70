import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../../common/config/app-config';
import { OutboxRepository, recipientKey } from '../../events/outbox.repository';
import { EventRow, toEventDto } from '../../events/event-body';
import { PeriodicRunner } from '../../infrastructure/jobs/periodic-runner';
import { retryDelayMs, retryWindowOver } from '../domain/retry-schedule';
import { unseal } from '../domain/secret-box';
import { webhookHeaders } from '../domain/standard-webhooks';
import {
  AttemptRecord,
  ClaimedDelivery,
  WebhookDeliveriesRepository,
} from '../webhook-deliveries.repository';
import { AttemptOutcome, WebhookSender } from '../webhook-sender';

const CLAIM_BATCH = 20;

/**
 * Delivers webhooks at least once: claims due deliveries (SKIP LOCKED, so instances never take
 * the same one), sends them signed (Standard Webhooks), records every attempt, and schedules
 * retries with exponential backoff until the retry window closes. Receivers dedupe on
 * webhook-id (the event id).
 */
@Injectable()
export class WebhookDeliveryJob implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly runner: PeriodicRunner;

  constructor(
    private readonly config: AppConfig,
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly outbox: OutboxRepository,
    private readonly sender: WebhookSender,
  ) {
    this.runner = new PeriodicRunner(WebhookDeliveryJob.name, config.webhooks.pollIntervalMs, () =>
      this.runUntilIdle(),
    );
  }

  onApplicationBootstrap(): void {
    if (this.config.webhooks.workerEnabled) this.runner.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runner.stop();
  }

  /** New deliveries are waiting: claim them now rather than at the next poll. */
  wake(): void {
    this.runner.wake();
  }

  /** Sends everything due, batch after batch, and waits for every attempt to be recorded. */
  async runUntilIdle(): Promise<void> {
    let claimed: ClaimedDelivery[];
    do {
      claimed = await this.deliveries.claimDue(CLAIM_BATCH, this.leaseMs());
      await this.attemptAll(claimed);
    } while (claimed.length === CLAIM_BATCH);
  }

  /** Long enough for an attempt to time out and be recorded; after it, the delivery is due again. */
  private leaseMs(): number {
    return this.config.webhooks.timeoutMs + 30_000;
  }

  private async attemptAll(claimed: ClaimedDelivery[]): Promise<void> {
    const bodies = await this.outbox.forRecipients(
      claimed.map((d) => ({ eventId: d.eventId, agencyId: d.agencyId })),
    );
    await Promise.all(
      claimed.map((delivery) =>
        this.attempt(
          delivery,
          bodies.get(recipientKey({ eventId: delivery.eventId, agencyId: delivery.agencyId })),
        ),
      ),
    );
  }

  private async attempt(delivery: ClaimedDelivery, event: EventRow | undefined): Promise<void> {
    let outcome: AttemptOutcome;
    if (delivery.subscriptionDeleted) {
      outcome = { statusCode: null, latencyMs: 0, error: 'subscription deleted' };
    } else if (!event) {
      outcome = { statusCode: null, latencyMs: 0, error: 'event no longer available' };
    } else {
      const body = JSON.stringify(toEventDto(event));
      const secret = unseal(this.config.webhooks.secretKey, delivery.secretCiphertext);
      outcome = await this.sender.post(delivery.url, webhookHeaders(secret, event.id, body), body);
    }
    await this.deliveries.recordAttempt(delivery, this.nextStep(delivery, outcome, !event));
  }

  private nextStep(
    delivery: ClaimedDelivery,
    outcome: AttemptOutcome,
    eventGone: boolean,
  ): AttemptRecord {
    const delivered =
      outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
    const giveUp =
      delivery.subscriptionDeleted ||
      eventGone ||
      retryWindowOver(
        new Date(delivery.retryWindowStartedAt),
        new Date(),
        this.config.webhooks.retryWindowHours,
      );
    return {
      ...outcome,
      next: delivered ? 'delivered' : giveUp ? 'failed' : 'retry',
      retryInMs: retryDelayMs(delivery.attempts, this.config.webhooks.retryBaseMs),
    };
  }
}
