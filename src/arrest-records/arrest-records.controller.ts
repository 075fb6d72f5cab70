import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiIfMatch, IfMatch, withEtag } from '../common/http/etag';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
  ApiOperation,
} from '@nestjs/swagger';
import { PageDto } from '../common/pagination/page.dto';
import { Page, PageQueryDto } from '../common/pagination/pagination';
import { Roles, Scopes } from '../identity/access/access-policy.decorators';
import type { Caller } from '../identity/access/caller';
import { CurrentCaller } from '../identity/access/current-caller.decorator';
import { ACCESS_PURPOSE_MAX_LENGTH, AccessPurpose } from './access-purpose.decorator';
import { ArrestRecordsService } from './arrest-records.service';
import { ArrestRecordDto, RecordArrestDto } from './dto/arrest-record.dto';
import { Audited } from '../infrastructure/audit-context/audited.decorator';

/**
 * Providers may call the reads but never see arrest data (the scope predicate finds nothing
 * for them): they get the same 404 as for a record that does not exist.
 */
@ApiTags('participants and arrest records')
@Controller()
export class ArrestRecordsController {
  constructor(private readonly arrestRecords: ArrestRecordsService) {}

  @ApiOperation({
    summary: 'Record an arrest',
    description:
      'Records the arrest or detention behind a referral; the booking number is unique per owner and arresting agency among open records.',
  })
  @Post('participants/:id/arrest-records')
  @Audited({ action: 'arrest_record.created', subject: 'arrest_record', id: 'result' })
  @Roles('coordinator', 'admin')
  @ApiCreatedResponse({ type: ArrestRecordDto })
  @ApiBadRequestResponse({ description: 'Invalid fields, or arrestedAt in the future' })
  @ApiNotFoundResponse({ description: 'No such participant in your scope' })
  @ApiConflictResponse({ description: 'arrest-record-booking-number-taken' })
  @ApiUnprocessableEntityResponse({
    description: 'arrest-record-not-minor (18 or older on arrestedAt), arresting-agency-invalid',
  })
  @ApiIfMatch()
  record(
    @Param('id', ParseUUIDPipe) participantId: string,
    @Body() body: RecordArrestDto,
    @CurrentCaller() caller: Caller,
    @IfMatch() ifMatch: string | undefined,
  ): Promise<ArrestRecordDto> {
    return this.arrestRecords.record(participantId, body, caller, ifMatch);
  }

  @ApiOperation({
    summary: 'List arrest records of a participant',
    description: 'Open records the caller may see; sealed records are left out.',
  })
  @Get('participants/:id/arrest-records')
  @Audited({ action: 'arrest_record.listed', subject: 'arrest_record', id: 'items' })
  @Roles('coordinator', 'admin', 'court', 'provider')
  @Scopes('participants:read')
  @ApiOkResponse({ type: PageDto(ArrestRecordDto), description: 'Never includes sealed records' })
  @ApiNotFoundResponse({ description: 'No such participant in your scope' })
  listForParticipant(
    @Param('id', ParseUUIDPipe) participantId: string,
    @Query() page: PageQueryDto,
    @CurrentCaller() caller: Caller,
  ): Promise<Page<ArrestRecordDto>> {
    return this.arrestRecords.listForParticipant(participantId, page, caller);
  }

  @ApiOperation({
    summary: 'Read an arrest record',
    description:
      'A record the caller may see. A sealed record is 404 unless the caller states a purpose the law allows (the read is audited with it).',
  })
  @Get('arrest-records/:id')
  @Audited({
    action: 'arrest_record.read',
    subject: 'arrest_record',
    id: { param: 'id' },
    purposeHeader: 'x-access-purpose',
  })
  @Roles('coordinator', 'admin', 'court', 'provider')
  @Scopes('participants:read')
  @ApiHeader({
    name: 'X-Access-Purpose',
    required: false,
    description: `Court and admin users only, 1..${ACCESS_PURPOSE_MAX_LENGTH} characters: why a sealed record is opened. Audited.`,
  })
  @ApiOkResponse({
    type: ArrestRecordDto,
    headers: {
      ETag: { description: 'Strong entity tag of the record', schema: { type: 'string' } },
    },
  })
  @ApiNotFoundResponse({
    description: 'Unknown, out of scope, or sealed (the same answer for each)',
  })
  async get(
    @Param('id', ParseUUIDPipe) id: string,
    @AccessPurpose() accessPurpose: string | undefined,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ArrestRecordDto> {
    return withEtag(reply, await this.arrestRecords.read(id, caller, accessPurpose));
  }
}
