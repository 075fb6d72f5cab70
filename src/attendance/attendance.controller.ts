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
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiIfMatch, IfMatch, setEtag } from '../common/http/etag';
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

  @Post('milestones/:id/attendance')
  @Audited({ action: 'attendance.recorded', subject: 'attendance_record', id: 'result' })
  @Roles('provider')
  @Scopes('attendance:write')
  @ApiCreatedResponse({
    type: AttendanceDto,
    description: 'Recorded; ETag header holds the version',
  })
  @ApiOkResponse({
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
  async record(
    @CurrentCaller() caller: Caller,
    @Param('id', ParseUUIDPipe) milestoneId: string,
    @Body() body: RecordAttendanceDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AttendanceDto> {
    const { record, created } = await this.attendance.record(caller, milestoneId, body);
    if (!created) overrideResponseStatus(request, 200);
    setEtag(reply, record.version);
    return record;
  }

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

  @Get('attendance/:id')
  @Audited({ action: 'attendance.read', subject: 'attendance_record', id: { param: 'id' } })
  @Roles('provider', 'coordinator', 'admin')
  @Scopes('enrollments:read')
  @ApiOkResponse({ type: AttendanceDto, description: 'ETag header holds the version' })
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

  @Patch('attendance/:id')
  @Audited({ action: 'attendance.corrected', subject: 'attendance_record', id: { param: 'id' } })
  @Roles('provider')
  @Scopes('attendance:write')
  @ApiHeader({ name: 'If-Match', required: true, description: 'The ETag last read, e.g. "2"' })
  @ApiOkResponse({
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

  @Post('attendance/:id/void')
  @Audited({ action: 'attendance.voided', subject: 'attendance_record', id: { param: 'id' } })
  @HttpCode(200)
  @Roles('provider')
  @Scopes('attendance:write')
  @ApiIfMatch()
  @ApiOkResponse({
    type: AttendanceDto,
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
