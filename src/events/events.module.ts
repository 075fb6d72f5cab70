import { Global, Module } from '@nestjs/common';
import { Outbox } from './outbox.service';

/** The transactional outbox (and, later, the feed and webhook delivery). */
@Global()
@Module({
  providers: [Outbox],
  exports: [Outbox],
})
export class EventsModule {}
