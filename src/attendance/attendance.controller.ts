import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiPreconditionFailedResponse,
  ApiResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
  ApiOperation,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiIfMatch, ETAG_RESPONSE_HEADERS, IfMatch, setEtag } from '../common/http/etag';
import { PageDto } from '../common/pagination/page.dto';
import { Page, PageQueryDto } from '../common/pagination/pagination';
import { Roles, Scopes } from '../identity/access/access-policy.decorators';
import type { Caller } from '../identity/access/caller';
import { CurrentCaller } from '../identity/access/current-caller.decorator';
import { overrideResponseStatus } from '../infrastructure/http/response-status';
import { AttendanceService } from './attendance.service';
import { AttendanceDto } from './dto/attendance.dto';
import { BatchAttendanceDto, BatchAttendanceResultDto } from './dto/batch-attendance.dto';
import { CorrectAttendanceDto, VoidAttendanceDto } from './dto/correct-attendance.dto';
import { RecordAttendanceDto } from './dto/record-attendance.dto';
import { Audited } from '../infrastructure/audit-context/audited.decorator';

@ApiTags('attendance')
@Controller()
export class AttendanceController {
  constructor(private readonly attendance: AttendanceService) {}

  @ApiOperation({
    summary: 'Record attendance',
    description:
      'Records one session of a milestone: 201 when recorded; 200 with the stored record, nothing written, when its `externalId` was already recorded.',
  })
  @Post('milestones/:id/attendance')
  @Audited({ action: 'attendance.recorded', subject: 'attendance_record', id: 'result' })
  @Roles('provider')
  @Scopes('attendance:write')
  @ApiCreatedResponse({
    headers: ETAG_RESPONSE_HEADERS,
    type: AttendanceDto,
    description: 'Recorded; ETag header holds the version',
  })
  @ApiOkResponse({
    headers: ETAG_RESPONSE_HEADERS,
    type: AttendanceDto,
    description: 'externalId re-sent: the stored record, nothing written',
  })
  @ApiNotFoundResponse({
    description: "Unknown milestone, or not one the caller's agency delivers",
  })
  @ApiConflictResponse({
    description: 'Enrollment not active, or externalId used for another milestone',
  })
  @ApiUnprocessableEntityResponse({
    description: "Session date outside the enrollment's period or in the future",
  })
  @ApiIfMatch()
  async record(
    @CurrentCaller() caller: Caller,
    @Param('id', ParseUUIDPipe) milestoneId: string,
    @Body() body: RecordAttendanceDto,
    @IfMatch() ifMatch: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AttendanceDto> {
    const { record, created } = await this.attendance.record(caller, milestoneId, body, ifMatch);
    if (!created) overrideResponseStatus(request, 200);
    setEtag(reply, record.version);
    return record;
  }

  @ApiOperation({
    summary: 'Record attendance in a batch',
    description:
      'Up to 1000 sessions in one request; each record is accepted or rejected on its own, and `externalId` makes a re-sent record a no-op.',
  })
  @Post('attendance/batch')
  @Audited({ action: 'attendance.batch_recorded', subject: 'milestone', id: 'none' })
  @HttpCode(200)
  @Roles('provider')
  @Scopes('attendance:write')
  @ApiOkResponse({ type: BatchAttendanceResultDto })
  recordBatch(
    @CurrentCaller() caller: Caller,
    @Body() body: BatchAttendanceDto,
  ): Promise<BatchAttendanceResultDto> {
    return this.attendance.recordBatch(caller, body);
  }

  @ApiOperation({
    summary: 'List attendance of a milestone',
    description:
      'Sessions recorded for the milestone, keyset-paginated; notes only for callers allowed to read them.',
  })
  @Get('milestones/:id/attendance')
  @Audited({ action: 'attendance.read', subject: 'milestone', id: { param: 'id' } })
  @Roles('provider', 'coordinator', 'admin')
  @Scopes('enrollments:read')
  @ApiOkResponse({ type: PageDto(AttendanceDto) })
  @ApiNotFoundResponse({
    description: "Unknown milestone, or its session details are outside the caller's scope",
  })
  list(
    @CurrentCaller() caller: Caller,
    @Param('id', ParseUUIDPipe) milestoneId: string,
    @Query() page: PageQueryDto,
  ): Promise<Page<AttendanceDto>> {
    return this.attendance.list(caller, milestoneId, page);
  }

  @ApiOperation({
    summary: 'Read an attendance record',
    description: 'One session record with its ETag (for corrections).',
  })
  @Get('attendance/:id')
  @Audited({ action: 'attendance.read', subject: 'attendance_record', id: { param: 'id' } })
  @Roles('provider', 'coordinator', 'admin')
  @Scopes('enrollments:read')
  @ApiOkResponse({
    headers: ETAG_RESPONSE_HEADERS,
    type: AttendanceDto,
    description: 'ETag header holds the version',
  })
  @ApiNotFoundResponse({ description: "Unknown record, or outside the caller's scope" })
  async get(
    @CurrentCaller() caller: Caller,
    @Param('id', ParseUUIDPipe) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AttendanceDto> {
    const record = await this.attendance.get(caller, id);
    setEtag(reply, record.version);
    return record;
  }

  @ApiOperation({
    summary: 'Correct an attendance record',
    description:
      'Changes the status, notes or duration of a recorded session; If-Match is required (428 without it, 412 when stale). The plan progress follows.',
  })
  @Patch('attendance/:id')
  @Audited({ action: 'attendance.corrected', subject: 'attendance_record', id: { param: 'id' } })
  @Roles('provider')
  @Scopes('attendance:write')
  @ApiHeader({ name: 'If-Match', required: true, description: 'The ETag last read, e.g. "2"' })
  @ApiOkResponse({
    headers: ETAG_RESPONSE_HEADERS,
    type: AttendanceDto,
    description: 'Corrected; ETag header holds the new version',
  })
  @ApiNotFoundResponse({ description: "Unknown record, or not one the caller's agency wrote" })
  @ApiConflictResponse({ description: 'Enrollment not active' })
  @ApiPreconditionFailedResponse({ description: 'If-Match is stale' })
  @ApiResponse({ status: 428, description: 'If-Match missing' })
  async correct(
    @CurrentCaller() caller: Caller,
    @Param('id', ParseUUIDPipe) id: string,
    @IfMatch() ifMatch: string | undefined,
    @Body() body: CorrectAttendanceDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AttendanceDto> {
    const record = await this.attendance.correct(caller, id, ifMatch, body);
    setEtag(reply, record.version);
    return record;
  }

  @ApiOperation({
    summary: 'Void a wrong attendance record',
    description:
      'The delivering provider voids its own record (with a reason) while the enrollment is active: it stays in the history of those who may see the sessions and no longer counts toward the milestone.',
  })
  @Post('attendance/:id/void')
  @Audited({ action: 'attendance.voided', subject: 'attendance_record', id: { param: 'id' } })
  @HttpCode(200)
  @Roles('provider')
  @Scopes('attendance:write')
  @ApiIfMatch()
  @ApiOkResponse({
    type: AttendanceDto,
    headers: ETAG_RESPONSE_HEADERS,
    description: 'Voided: it stays in the history and no longer counts; ETag holds the new version',
  })
  @ApiNotFoundResponse({ description: "Unknown record, or not one the caller's agency wrote" })
  @ApiConflictResponse({ description: 'Already voided, or the enrollment is not active' })
  async void(
    @CurrentCaller() caller: Caller,
    @Param('id', ParseUUIDPipe) id: string,
    @IfMatch() ifMatch: string | undefined,
    @Body() body: VoidAttendanceDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AttendanceDto> {
    const record = await this.attendance.void(caller, id, ifMatch, body);
    setEtag(reply, record.version);
    return record;
  }
}
