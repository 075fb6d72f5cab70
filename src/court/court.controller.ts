import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiOperation,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiIfMatch, IfMatch, withEtag } from '../common/http/etag';
import { PageDto } from '../common/pagination/page.dto';
import { Page, PageQueryDto } from '../common/pagination/pagination';
import { Roles } from '../identity/access/access-policy.decorators';
import type { Caller } from '../identity/access/caller';
import { CurrentCaller } from '../identity/access/current-caller.decorator';
import { CourtService } from './court.service';
import { CompletionDecisionDto, CompletionResultDto } from './dto/completion-decision.dto';
import { ReviewQueueItemDto } from './dto/review-queue.dto';
import { Audited } from '../infrastructure/audit-context/audited.decorator';

@ApiTags('court review and sealing')
@Controller()
export class CourtController {
  constructor(private readonly court: CourtService) {}

  @ApiOperation({
    summary: 'Court review queue',
    description:
      "Enrollments submitted to the caller's court for a completion decision, with their plan's progress.",
  })
  @Get('court/review-queue')
  @Audited({ action: 'enrollment.review_queue_listed', subject: 'enrollment', id: 'items' })
  @Roles('court', 'admin')
  @ApiOkResponse({ type: PageDto(ReviewQueueItemDto) })
  reviewQueue(
    @Query() page: PageQueryDto,
    @CurrentCaller() caller: Caller,
  ): Promise<Page<ReviewQueueItemDto>> {
    return this.court.reviewQueue(page, caller);
  }

  @ApiOperation({
    summary: 'Decide completion',
    description:
      'The court confirms (enrollment completed, arrest record sealed, sealing notices sent, in one transaction) or rejects with reasons (back to active).',
  })
  @Post('enrollments/:id/completion')
  @Audited({ action: 'enrollment.completion_decided', subject: 'enrollment', id: { param: 'id' } })
  @HttpCode(200)
  @Roles('court')
  @ApiIfMatch()
  @ApiOkResponse({
    type: CompletionResultDto,
    headers: {
      ETag: { description: 'Strong entity tag of the enrollment', schema: { type: 'string' } },
    },
  })
  @ApiNotFoundResponse({ description: 'No such enrollment before the court' })
  @ApiConflictResponse({ description: 'The enrollment is not pending court review' })
  async decide(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: CompletionDecisionDto,
    @CurrentCaller() caller: Caller,
    @IfMatch() ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CompletionResultDto> {
    return withEtag(reply, await this.court.decide(id, body, caller, ifMatch));
  }
}
