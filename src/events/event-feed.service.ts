import { Injectable } from '@nestjs/common';
import type { Caller } from '../identity/access/caller';
import { EventFeedQueryDto } from './dto/event.dto';
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

  /**
   * The page as the JSON text of an `EventPageDto`: the events come from the database
   * already as JSON (the shape of `toEventDto`, the reader's privacy rules applied in the
   * same statement), so a page of 100 is not parsed into objects only to be serialised again.
   */
  async pageJson(caller: Caller, query: EventFeedQueryDto): Promise<string> {
    const after = decodeFeedCursor(query.after);
    const rows = await this.outbox.feedPage(caller, after, {
      limit: query.limit,
      types: query.types,
    });
    // Always set: with nothing new it is the cursor sent, so a poller never loses its place.
    const nextCursor = encodeFeedCursor(rows.length > 0 ? rows[rows.length - 1] : after);
    return `{"items":[${rows.map((row) => row.event).join(',')}],"nextCursor":${JSON.stringify(nextCursor)}}`;
  }
}
