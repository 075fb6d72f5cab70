import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { sessionDetailEventScope } from '../access-scope/visibility';
import { AppConfig } from '../common/config/app-config';
import { loggableError } from '../common/errors/loggable-error';
import { EventRow, toEventDto } from '../events/event-body';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import { retryDelayMs, retryWindowOver } from './domain/retry-schedule';
import { unseal } from './domain/secret-box';
import { webhookHeaders } from './domain/standard-webhooks';
import { WebhookDispatcher } from './webhook-dispatcher.service';
import { AttemptOutcome, WebhookSender } from './webhook-sender';

interface ClaimedDelivery {
  id: string;
  attempts: number;
  retry_window_started_at: Date;
  url: string | null;
  secret_ciphertext: string | null;
  deleted_at: Date | null;
  event: EventRow;
}

const CLAIM_BATCH = 20;

/**
 * Delivers webhooks at least once. Each tick: fan out new outbox events, claim due deliveries
 * (FOR UPDATE SKIP LOCKED, so instances never take the same one), send them, record every
 * attempt, and schedule retries with exponential backoff until the retry window closes.
 *
 * A claim leases the delivery (next_attempt_at pushed past the send timeout) and commits
 * before sending: if this process dies mid-send, the lease expires and another instance
 * (or this one, restarted) sends it again. Receivers dedupe on webhook-id (the event id).
 */
@Injectable()
export class WebhookDeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookDeliveryWorker.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly config: AppConfig,
    private readonly dispatcher: WebhookDispatcher,
    private readonly sender: WebhookSender,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.webhooks.workerEnabled) this.schedule(0);
  }

  /** Before the pool closes: stop scheduling and let the current pass finish. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One pass of the worker; exposed so tests and the admin CLI can drive it. */
  async tick(): Promise<void> {
    let dispatched: number;
    do {
      dispatched = await this.dispatcher.dispatchBatch();
    } while (dispatched > 0 && !this.stopped);
    let claimed: ClaimedDelivery[];
    do {
      claimed = await this.claimDue();
      await Promise.all(claimed.map((delivery) => this.attempt(delivery)));
    } while (claimed.length === CLAIM_BATCH && !this.stopped);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((error: unknown) =>
          this.logger.error({ error: loggableError(error) }, 'webhook worker tick failed'),
        )
        .finally(() => this.schedule(this.config.webhooks.pollIntervalMs));
    }, delayMs);
  }

  private async claimDue(): Promise<ClaimedDelivery[]> {
    const leaseSeconds = Math.ceil(this.config.webhooks.timeoutMs / 1000) + 30;
    return this.uow.run((manager) =>
      manager.query<ClaimedDelivery[]>(
        `WITH due AS (
           SELECT id FROM webhook_deliveries
            WHERE status = 'pending' AND next_attempt_at <= now()
            ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED),
         claimed AS (
           UPDATE webhook_deliveries d
              SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => $1)
             FROM due WHERE d.id = due.id
           RETURNING d.id, d.attempts, d.retry_window_started_at, d.subscription_id, d.event_id)
         SELECT c.id, c.attempts, c.retry_window_started_at, s.url, s.secret_ciphertext, s.deleted_at,
                json_build_object('position', o.position, 'id', o.id, 'type', o.type,
                  'occurred_at', o.occurred_at, 'agency_id', o.agency_id, 'data', o.data,
                  'part2_disclosure', ${sessionDetailEventScope('o', 's.agency_id').part2Disclosure}) AS event
           FROM claimed c
           JOIN webhook_subscriptions s ON s.id = c.subscription_id
           JOIN outbox_events o ON o.id = c.event_id`,
        [leaseSeconds, CLAIM_BATCH],
      ),
    );
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    let outcome: AttemptOutcome;
    if (delivery.deleted_at || !delivery.url || !delivery.secret_ciphertext) {
      outcome = { statusCode: null, latencyMs: 0, error: 'subscription deleted' };
    } else {
      const body = JSON.stringify(toEventDto(delivery.event));
      const secret = unseal(this.config.webhooks.secretKey, delivery.secret_ciphertext);
      outcome = await this.sender.post(
        delivery.url,
        webhookHeaders(secret, delivery.event.id, body),
        body,
      );
    }
    const delivered =
      outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
    const giveUp =
      !delivered &&
      (delivery.deleted_at !== null ||
        retryWindowOver(
          new Date(delivery.retry_window_started_at),
          new Date(),
          this.config.webhooks.retryWindowHours,
        ));
    const retryInMs = retryDelayMs(delivery.attempts, this.config.webhooks.retryBaseMs);
    await this.uow.run(async (manager) => {
      await manager.query(
        `INSERT INTO webhook_delivery_attempts (delivery_id, status_code, latency_ms, error) VALUES ($1, $2, $3, $4)`,
        [delivery.id, outcome.statusCode, outcome.latencyMs, outcome.error],
      );
      await manager.query(
        `UPDATE webhook_deliveries SET
           status = CASE WHEN $2 THEN 'delivered' WHEN $3 THEN 'failed' ELSE 'pending' END::webhook_delivery_status,
           delivered_at = CASE WHEN $2 THEN now() END,
           failed_at = CASE WHEN $3 THEN now() END,
           next_attempt_at = now() + make_interval(secs => $4::double precision / 1000)
         WHERE id = $1`,
        [delivery.id, delivered, giveUp, retryInMs],
      );
    });
  }
}
