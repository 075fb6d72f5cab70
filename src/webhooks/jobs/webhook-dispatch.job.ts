import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../../common/config/app-config';
import { OutboxRepository } from '../../events/outbox.repository';
import { UnitOfWork } from '../../infrastructure/database/unit-of-work';
import { PeriodicRunner } from '../../infrastructure/jobs/periodic-runner';
import { SEALING_EVENT_TYPES } from '../domain/delivery-priority';
import { candidateDeliveries } from '../domain/subscription-matching';
import { WebhookDeliveriesRepository } from '../webhook-deliveries.repository';
import { WebhookSubscriptionsRepository } from '../webhook-subscriptions.repository';
import { WebhookDeliveryJob } from './webhook-delivery.job';

/**
 * Outbox events per transaction: a 1000-record attendance batch fanned out to many
 * subscriptions is written in several short transactions, and the delivery job starts on
 * the first ones while the rest are written.
 */
const DISPATCH_BATCH = 200;
/** Sealing events looked for ahead of the cursor, per transaction. */
const SEALING_LOOKAHEAD = 100;

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
 *
 * Sealing events do not wait their turn: each transaction first fans out the sealing events
 * committed after the cursor (up to SEALING_LOOKAHEAD), even above the horizon, then the next
 * batch in order. When the cursor reaches them later they are already there (one delivery per
 * subscription and event), so neither a backlog of bulk events nor a long transaction
 * elsewhere in the cluster holds a sealing event back.
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
    if (this.config.webhooks.workerEnabled && this.config.backgroundJobs) this.runner.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runner.stop();
  }

  /** Dispatches everything committed so far, a batch per transaction. */
  async runUntilIdle(): Promise<void> {
    for (;;) {
      const run = await this.runOnce();
      // Deliveries start while the next batch is being written.
      if (run.deliveries > 0) this.delivery.wake();
      if (!run.ran || run.events < DISPATCH_BATCH) return;
    }
  }

  /** One transaction: the next batch of events after the cursor, fanned out. */
  async runOnce(): Promise<DispatchRun> {
    return this.uow.run(async () => {
      const cursor = await this.deliveries.lockDispatchCursor();
      if (!cursor) return { ran: false, events: 0, deliveries: 0 };
      const sealing = await this.outbox.committedAheadOfHorizon(
        cursor,
        SEALING_EVENT_TYPES,
        SEALING_LOOKAHEAD,
      );
      const events = await this.outbox.committedAfter(cursor, DISPATCH_BATCH);
      if (events.length === 0 && sealing.length === 0)
        return { ran: true, events: 0, deliveries: 0 };
      const interests = await this.subscriptions.activeInterests();
      let written = await this.deliveries.fanOut(candidateDeliveries(interests, sealing), sealing);
      written += await this.deliveries.fanOut(candidateDeliveries(interests, events), events);
      if (events.length > 0) await this.deliveries.advanceDispatchCursor(events[events.length - 1]);
      return { ran: true, events: events.length, deliveries: written };
    });
  }
}
