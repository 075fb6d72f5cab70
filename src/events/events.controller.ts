import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles, Scopes } from '../identity/access/access-policy.decorators';
import type { Caller } from '../identity/access/caller';
import { CurrentCaller } from '../identity/access/current-caller.decorator';
import { EventFeedQueryDto, EventPageDto } from './dto/event.dto';
import { EventFeedService } from './event-feed.service';
import { Audited } from '../infrastructure/audit-context/audited.decorator';

@ApiTags('events')
@Controller('events')
export class EventsController {
  constructor(private readonly feed: EventFeedService) {}

  @Get()
  @Audited({ action: 'event.feed_read', subject: 'event_feed', id: 'none' })
  @Roles('admin', 'coordinator', 'provider', 'court')
  @Scopes('events:read')
  @ApiOperation({ summary: 'Page through the events your agency may see, oldest first' })
  @ApiOkResponse({ type: EventPageDto })
  list(@CurrentCaller() caller: Caller, @Query() query: EventFeedQueryDto): Promise<EventPageDto> {
    return this.feed.page(caller, query);
  }
}
