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
import type { FastifyReply } from 'fastify';
import { ApiIfMatch, ETAG_RESPONSE_HEADERS, IfMatch, withContentEtag } from '../common/http/etag';
import {
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { PageDto } from '../common/pagination/page.dto';
import { Page } from '../common/pagination/pagination';
import { Roles, Scopes } from '../identity/access/access-policy.decorators';
import type { Caller } from '../identity/access/caller';
import { CurrentCaller } from '../identity/access/current-caller.decorator';
import { RecordMinorNotificationDto, SealingStatusDto } from './dto/minor-notification.dto';
import {
  AcknowledgeSealingNoticeDto,
  ListSealingNoticesQueryDto,
  SealingNoticeDto,
} from './dto/sealing-notice.dto';
import { SealingNoticesService } from './sealing-notices.service';
import { Audited } from '../infrastructure/audit-context/audited.decorator';

@ApiTags('court review and sealing')
@Controller()
export class SealingController {
  constructor(private readonly notices: SealingNoticesService) {}

  @ApiOperation({
    summary: 'List sealing notices',
    description:
      "Records officers and sealing:ack clients: their own agency's notices; coordinators: the notices of their agency's enrollments; admins: all. Keyset-paginated. The arresting agency's own notice shows its booking number to its records officers and clients.",
  })
  @Get('sealing-notices')
  @Audited({ action: 'sealing_notice.listed', subject: 'sealing_notice', id: 'items' })
  @Roles('coordinator', 'admin', 'records')
  @Scopes('sealing:ack')
  @ApiOkResponse({ type: PageDto(SealingNoticeDto) })
  list(
    @Query() query: ListSealingNoticesQueryDto,
    @CurrentCaller() caller: Caller,
  ): Promise<Page<SealingNoticeDto>> {
    return this.notices.list(query, caller);
  }

  @ApiOperation({
    summary: 'Acknowledge a sealing notice',
    description:
      "States that the agency sealed its copy of the record: a records officer or a sealing:ack client of the notified agency (404 for anyone else's notice). Acknowledging twice is 409. Once every notice is acknowledged, the minor's 30-day notification clock starts.",
  })
  @Post('sealing-notices/:id/ack')
  @Audited({
    action: 'sealing_notice.acknowledged',
    subject: 'sealing_notice',
    id: { param: 'id' },
  })
  @HttpCode(200)
  @Roles('records')
  @Scopes('sealing:ack')
  @ApiOkResponse({ type: SealingNoticeDto })
  @ApiNotFoundResponse({ description: 'No such notice addressed to your agency' })
  @ApiConflictResponse({ description: 'Already acknowledged' })
  @ApiIfMatch()
  acknowledge(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: AcknowledgeSealingNoticeDto,
    @CurrentCaller() caller: Caller,
    @IfMatch() ifMatch: string | undefined,
  ): Promise<SealingNoticeDto> {
    return this.notices.acknowledge(id, body, caller, ifMatch);
  }

  @ApiOperation({
    summary: 'Sealing status of an enrollment',
    description:
      'Whether the arrest record is sealed, each notice and its acknowledgement, and the statutory clocks.',
  })
  @Get('enrollments/:id/sealing-status')
  @Audited({ action: 'sealing_status.read', subject: 'enrollment', id: { param: 'id' } })
  @Roles('coordinator', 'admin')
  @ApiOkResponse({
    type: SealingStatusDto,
    headers: {
      ETag: {
        description: 'Strong entity tag of the status (a digest of the body)',
        schema: { type: 'string' },
      },
    },
  })
  @ApiNotFoundResponse({ description: 'No such enrollment in your scope' })
  async sealingStatus(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SealingStatusDto> {
    return withContentEtag(reply, await this.notices.sealingStatus(id, caller));
  }

  @ApiOperation({
    summary: "Record the minor's notification",
    description:
      'Records that the minor was told of the sealing; starts nothing new but closes the statutory clock.',
  })
  @Post('enrollments/:id/minor-notification')
  @Audited({ action: 'enrollment.minor_notified', subject: 'enrollment', id: { param: 'id' } })
  @HttpCode(200)
  @Roles('coordinator')
  @ApiOkResponse({ type: SealingStatusDto, headers: ETAG_RESPONSE_HEADERS })
  @ApiNotFoundResponse({ description: 'No such enrollment in your scope' })
  @ApiConflictResponse({
    description: 'Enrollment not completed, or the notice is already recorded',
  })
  @ApiIfMatch()
  async recordMinorNotification(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: RecordMinorNotificationDto,
    @CurrentCaller() caller: Caller,
    @IfMatch() ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SealingStatusDto> {
    return withContentEtag(
      reply,
      await this.notices.recordMinorNotification(id, body, caller, ifMatch),
    );
  }
}
