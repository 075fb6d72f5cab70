import { setMaxListeners } from 'node:events';
import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { AppConfig } from '../../common/config/app-config';
import { loggableError } from '../../common/errors/loggable-error';
import { EventRow, toEventDto } from '../../events/event-body';
import { OutboxRepository, recipientKey } from '../../events/outbox.repository';
import { PeriodicRunner } from '../../infrastructure/jobs/periodic-runner';
import { retryDelayMs, retryWindowOver } from '../domain/retry-schedule';
import { unseal } from '../domain/secret-box';
import { webhookHeaders } from '../domain/standard-webhooks';
import {
  AttemptRecord,
  ClaimedDelivery,
  WebhookDeliveriesRepository,
} from '../webhook-deliveries.repository';
import { AttemptOutcome, INTERRUPTED_BY_SHUTDOWN, WebhookSender } from '../webhook-sender';

/** On shutdown, how long attempts in flight may still finish before they are cut off. */
const SHUTDOWN_GRACE_MS = 2000;

/**
 * Delivers webhooks at least once, without letting one receiver delay another.
 *
 * Attempts run side by side, each in a slot: at most WEBHOOK_MAX_IN_FLIGHT in this instance
 * and WEBHOOK_MAX_PER_SUBSCRIPTION for one subscription over all instances, each
 * cut off at WEBHOOK_TIMEOUT_MS. A slot is refilled as soon as its attempt is recorded (the
 * runner is woken), not when a whole batch is done, so a hung receiver holds its own few
 * slots for the timeout and nothing else. Claims take sealing events first, then each
 * subscription's deliveries in outbox order (WebhookDeliveriesRepository.claimDue).
 *
 * Every attempt is recorded; a failure is retried with exponential backoff until the retry
 * window closes. A claim is a lease: if this process dies mid-send, the delivery is due again
 * once the lease is over. Receivers dedupe on webhook-id (the event id).
 */
@Injectable()
export class WebhookDeliveryJob implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookDeliveryJob.name);
  private readonly runner: PeriodicRunner;
  /** Attempts in flight in this instance, by delivery id. */
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Cuts off the attempts in flight when the instance shuts down. */
  private readonly shutdown = new AbortController();
  /** Claims one after another: each sees the slots the previous one filled. */
  private claims: Promise<unknown> = Promise.resolve();
  /** Attempts finished so far: a claim that overlapped one may have seen its slot still taken. */
  private finished = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly outbox: OutboxRepository,
    private readonly sender: WebhookSender,
  ) {
    this.runner = new PeriodicRunner(WebhookDeliveryJob.name, config.webhooks.pollIntervalMs, () =>
      this.startDue(),
    );
    // Every attempt in flight listens for the shutdown: up to WEBHOOK_MAX_IN_FLIGHT at once.
    setMaxListeners(config.webhooks.maxInFlight + 1, this.shutdown.signal);
  }

  onApplicationBootstrap(): void {
    if (this.config.webhooks.workerEnabled && this.config.backgroundJobs) this.runner.start();
  }

  /**
   * Before the pool closes: no new claims, attempts in flight get a moment to finish, then
   * are cut off and recorded as interrupted (due again at once, for any instance).
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.runner.stop();
    await this.claims;
    const settled = Promise.allSettled(this.inFlight.values());
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([
      settled,
      new Promise((resolve) => (grace = setTimeout(resolve, SHUTDOWN_GRACE_MS))),
    ]);
    clearTimeout(grace);
    this.shutdown.abort();
    await settled;
  }

  /** New deliveries are waiting: claim them now rather than at the next poll. */
  wake(): void {
    this.runner.wake();
  }

  /** How many attempts are in flight in this instance. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /**
   * Claims as many due deliveries as there are free slots and starts their attempts, without
   * waiting for them; returns how many it started.
   */
  startDue(): Promise<number> {
    const claim = this.claims.then(() => this.claimAndStart());
    this.claims = claim.catch(() => undefined);
    return claim;
  }

  /**
   * Sends everything that is due and waits until no attempt is in flight (tests, and any
   * caller that wants delivery done now). Retries that are not due yet are left for later.
   */
  async runUntilIdle(): Promise<void> {
    for (;;) {
      const finishedBefore = this.finished;
      if ((await this.startDue()) > 0) continue;
      if (this.inFlight.size > 0) {
        await Promise.race(this.inFlight.values());
      } else if (this.finished === finishedBefore) {
        return; // nothing due, nothing in flight, and no slot freed while the claim ran
      }
    }
  }

  private async claimAndStart(): Promise<number> {
    if (this.shutdown.signal.aborted) return 0;
    const { maxInFlight, maxInFlightPerSubscription } = this.config.webhooks;
    const claimed = await this.deliveries.claimDue({
      limit: maxInFlight - this.inFlight.size,
      perSubscription: maxInFlightPerSubscription,
      leaseMs: this.leaseMs(),
    });
    if (claimed.length === 0) return 0;
    const events = await this.outbox.forRecipients(
      claimed.map((d) => ({ eventId: d.eventId, agencyId: d.agencyId })),
    );
    for (const delivery of claimed) {
      const event = events.get(recipientKey(delivery));
      const attempt = this.attempt(delivery, event)
        .catch((error: unknown) =>
          // Not recorded (the database failed): the lease runs out and the delivery is due again.
          this.logger.error({ err: loggableError(error) }, 'webhook attempt not recorded'),
        )
        .finally(() => {
          this.inFlight.delete(delivery.id);
          this.finished++;
          this.runner.wake();
        });
      this.inFlight.set(delivery.id, attempt);
    }
    return claimed.length;
  }

  /** Long enough for an attempt to time out and be recorded; after it, the delivery is due again. */
  private leaseMs(): number {
    return this.config.webhooks.timeoutMs + 30_000;
  }

  private async attempt(delivery: ClaimedDelivery, event: EventRow | undefined): Promise<void> {
    let outcome: AttemptOutcome;
    if (delivery.subscriptionDeleted) {
      outcome = { statusCode: null, latencyMs: 0, error: 'subscription deleted' };
    } else if (!event) {
      outcome = { statusCode: null, latencyMs: 0, error: 'event no longer available' };
    } else {
      const body = JSON.stringify(toEventDto(event));
      const key = this.config.webhooks.secretKey;
      // The new secret first; during a rotation's overlap the old one signs too.
      const secrets = [delivery.secretCiphertext, delivery.previousSecretCiphertext]
        .filter((sealed): sealed is string => sealed !== null)
        .map((sealed) => unseal(key, sealed));
      outcome = await this.sender.post(
        delivery.url,
        webhookHeaders(secrets, event.id, body),
        body,
        this.shutdown.signal,
      );
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
    // Cut off by our own shutdown, not the receiver's fault: due again at once.
    const interrupted = outcome.error === INTERRUPTED_BY_SHUTDOWN;
    return {
      ...outcome,
      next: delivered ? 'delivered' : giveUp ? 'failed' : 'retry',
      retryInMs: interrupted
        ? 0
        : retryDelayMs(delivery.attempts, this.config.webhooks.retryBaseMs),
    };
  }
}
