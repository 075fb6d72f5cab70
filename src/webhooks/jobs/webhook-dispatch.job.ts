import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../../common/config/app-config';
import { OutboxRepository } from '../../events/outbox.repository';
import { UnitOfWork } from '../../infrastructure/database/unit-of-work';
import { PeriodicRunner } from '../../infrastructure/jobs/periodic-runner';
import { candidateDeliveries } from '../domain/subscription-matching';
import { WebhookDeliveriesRepository } from '../webhook-deliveries.repository';
import { WebhookSubscriptionsRepository } from '../webhook-subscriptions.repository';
import { WebhookDeliveryJob } from './webhook-delivery.job';

/** Outbox events per transaction. */
const DISPATCH_BATCH = 500;

export interface DispatchRun {
  /** False when another instance held the dispatch cursor. */
  ran: boolean;
  /** Outbox events read. */
  events: number;
  /** Deliveries written. */
  deliveries: number;
}

/**
 * Fans outbox events out into deliveries, one per subscription that wants the event
 * (domain/subscription-matching.ts) and whose agency may see it (the privacy rules, in SQL).
 * Events are read in commit order below the commit horizon, so a late commit is never jumped
 * over; one instance dispatches at a time (the cursor row is taken with SKIP LOCKED).
 */
@Injectable()
export class WebhookDispatchJob implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly runner: PeriodicRunner;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly config: AppConfig,
    private readonly outbox: OutboxRepository,
    private readonly subscriptions: WebhookSubscriptionsRepository,
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly delivery: WebhookDeliveryJob,
  ) {
    this.runner = new PeriodicRunner(WebhookDispatchJob.name, config.webhooks.pollIntervalMs, () =>
      this.runUntilIdle(),
    );
  }

  onApplicationBootstrap(): void {
    if (this.config.webhooks.workerEnabled) this.runner.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runner.stop();
  }

  /** Dispatches everything committed so far, a batch per transaction. */
  async runUntilIdle(): Promise<void> {
    for (;;) {
      const run = await this.runOnce();
      if (run.deliveries > 0) this.delivery.wake();
      if (!run.ran || run.events < DISPATCH_BATCH) return;
    }
  }

  /** One transaction: the next batch of events after the cursor, fanned out. */
  async runOnce(): Promise<DispatchRun> {
    return this.uow.run(async () => {
      const cursor = await this.deliveries.lockDispatchCursor();
      if (!cursor) return { ran: false, events: 0, deliveries: 0 };
      const events = await this.outbox.committedAfter(cursor, { limit: DISPATCH_BATCH });
      if (events.length === 0) return { ran: true, events: 0, deliveries: 0 };
      const interests = await this.subscriptions.activeInterests();
      const written = await this.deliveries.fanOut(candidateDeliveries(interests, events), events);
      await this.deliveries.advanceDispatchCursor(events[events.length - 1]);
      return { ran: true, events: events.length, deliveries: written };
    });
  }
}
