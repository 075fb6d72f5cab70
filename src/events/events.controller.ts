import { Controller, Get, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Roles, Scopes } from '../identity/access/access-policy.decorators';
import type { Caller } from '../identity/access/caller';
import { CurrentCaller } from '../identity/access/current-caller.decorator';
import { EventFeedQueryDto, EventPageDto } from './dto/event.dto';
import { EventFeedService } from './event-feed.service';
import { EVENT_TYPES } from './event-types';
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
  // Comma-separated (form, not exploded), as EventFeedQueryDto parses it; a repeated
  // parameter is accepted too.
  @ApiQuery({
    name: 'types',
    required: false,
    description: 'Comma-separated event types',
    style: 'form',
    explode: false,
    schema: { type: 'array', items: { type: 'string', enum: [...EVENT_TYPES] } },
    example: ['arrest_record.sealed', 'enrollment.completed'],
  })
  async list(
    @CurrentCaller() caller: Caller,
    @Query() query: EventFeedQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    // An EventPageDto, already serialised (EventFeedService.pageJson): sent as it is.
    const page = await this.feed.pageJson(caller, query);
    void reply.type('application/json; charset=utf-8');
    return page;
  }
}
