import { Global, Module } from '@nestjs/common';
import { EventFeedService } from './event-feed.service';
import { EventsController } from './events.controller';
import { Outbox } from './outbox.service';

/** The transactional outbox and the event feed (webhook delivery builds on both). */
@Global()
@Module({
  controllers: [EventsController],
  providers: [Outbox, EventFeedService],
  exports: [Outbox],
})
export class EventsModule {}
