import { Injectable } from '@nestjs/common';
import type { Caller } from '../identity/access/caller';
import { EventFeedQueryDto, EventPageDto } from './dto/event.dto';
import { toEventDto } from './event-body';
import { decodeFeedCursor, encodeFeedCursor } from './feed-cursor';
import { OutboxRepository } from './outbox.repository';

/**
 * The event feed: outbox rows in commit-safe order, filtered to what the caller's agency may
 * see (OutboxRepository.feedPage). Pages have no gaps and no repeats: rows are served in
 * (txid, position) order below the commit horizon, and any later row sorts after the cursor.
 */
@Injectable()
export class EventFeedService {
  constructor(private readonly outbox: OutboxRepository) {}

  async page(caller: Caller, query: EventFeedQueryDto): Promise<EventPageDto> {
    const after = decodeFeedCursor(query.after);
    const rows = await this.outbox.feedPage(caller, after, {
      limit: query.limit,
      types: query.types,
    });
    return {
      items: rows.map(toEventDto),
      // Always set: with nothing new it is the cursor sent, so a poller never loses its place.
      nextCursor: encodeFeedCursor(rows.length > 0 ? rows[rows.length - 1] : after),
    };
  }
}
