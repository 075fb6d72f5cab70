import { Global, Module } from '@nestjs/common';
import { EventFeedService } from './event-feed.service';
import { EventsController } from './events.controller';
import { OutboxRepository } from './outbox.repository';
import { Outbox } from './outbox.service';

/**
 * The transactional outbox and the event feed. OutboxRepository is exported for the webhook
 * dispatcher and deliveries, the only other readers of `outbox_events`.
 */
@Global()
@Module({
  controllers: [EventsController],
  providers: [OutboxRepository, Outbox, EventFeedService],
  exports: [Outbox, OutboxRepository],
})
export class EventsModule {}
