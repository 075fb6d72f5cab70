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
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
  ApiOperation,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiIfMatch, ETAG_RESPONSE_HEADERS, IfMatch, withEtag } from '../common/http/etag';
import { PageDto } from '../common/pagination/page.dto';
import { Page } from '../common/pagination/pagination';
import { Roles, Scopes } from '../identity/access/access-policy.decorators';
import type { Caller } from '../identity/access/caller';
import { CurrentCaller } from '../identity/access/current-caller.decorator';
import {
  AssignEnrollmentDto,
  CreateEnrollmentDto,
  EndEnrollmentDto,
  EnrollmentDto,
  ExtendEnrollmentDto,
  ListEnrollmentsQueryDto,
  SubmitForReviewDto,
} from './dto/enrollment.dto';
import { EnrollmentsService } from './enrollments.service';
import { Audited } from '../infrastructure/audit-context/audited.decorator';

@ApiTags('enrollments')
@Controller('enrollments')
export class EnrollmentsController {
  constructor(private readonly enrollments: EnrollmentsService) {}

  @ApiOperation({
    summary: 'Enroll a participant',
    description:
      'Creates an enrollment in `pending_consent` for a participant with an open arrest record; the scheduled end is the program length after the start.',
  })
  @Post()
  @Audited({ action: 'enrollment.created', subject: 'enrollment', id: 'result' })
  @Roles('coordinator', 'admin')
  @ApiCreatedResponse({ type: EnrollmentDto, headers: ETAG_RESPONSE_HEADERS })
  @ApiNotFoundResponse({ description: 'No such participant or (open) arrest record in your scope' })
  @ApiConflictResponse({ description: 'The arrest record already has an open enrollment' })
  @ApiUnprocessableEntityResponse({
    description: 'Arrest record of another participant, or unknown site',
  })
  async create(
    @Body() body: CreateEnrollmentDto,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<EnrollmentDto> {
    return withEtag(reply, await this.enrollments.create(caller, body));
  }

  @ApiOperation({
    summary: 'List enrollments',
    description:
      'Enrollments the caller may see, keyset-paginated; `view` selects a coordinator work list.',
  })
  @Get()
  @Audited({ action: 'enrollment.listed', subject: 'enrollment', id: 'items' })
  @Roles('coordinator', 'admin', 'provider', 'court')
  @Scopes('enrollments:read')
  @ApiOkResponse({ type: PageDto(EnrollmentDto) })
  list(
    @Query() query: ListEnrollmentsQueryDto,
    @CurrentCaller() caller: Caller,
  ): Promise<Page<EnrollmentDto>> {
    return this.enrollments.list(caller, query);
  }

  @ApiOperation({
    summary: 'Read an enrollment',
    description:
      'The enrollment with its consents, extensions and service plan, and an ETag for changes.',
  })
  @Get(':id')
  @Audited({ action: 'enrollment.read', subject: 'enrollment', id: { param: 'id' } })
  @Roles('coordinator', 'admin', 'provider', 'court')
  @Scopes('enrollments:read')
  @ApiOkResponse({ type: EnrollmentDto, headers: ETAG_RESPONSE_HEADERS })
  @ApiNotFoundResponse({ description: 'No such enrollment in your scope' })
  async get(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<EnrollmentDto> {
    return withEtag(reply, await this.enrollments.get(caller, id));
  }

  @ApiOperation({
    summary: 'Extend an enrollment',
    description:
      'Adds days to the scheduled end of an active enrollment, with a reason that stays in the record.',
  })
  @Post(':id/extend')
  @Audited({ action: 'enrollment.extended', subject: 'enrollment', id: { param: 'id' } })
  @HttpCode(200)
  @Roles('coordinator', 'admin')
  @ApiIfMatch()
  @ApiOkResponse({ type: EnrollmentDto, headers: ETAG_RESPONSE_HEADERS })
  @ApiNotFoundResponse({ description: 'No such enrollment in your scope' })
  @ApiConflictResponse({ description: 'The enrollment has ended (enrollment-invalid-transition)' })
  async extend(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: ExtendEnrollmentDto,
    @CurrentCaller() caller: Caller,
    @IfMatch() ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<EnrollmentDto> {
    return withEtag(reply, await this.enrollments.extend(caller, id, body, ifMatch));
  }

  @ApiOperation({
    summary: 'Withdraw an enrollment',
    description: "Ends the enrollment at the participant's or family's request, with a reason.",
  })
  @Post(':id/withdraw')
  @Audited({ action: 'enrollment.withdraw', subject: 'enrollment', id: { param: 'id' } })
  @HttpCode(200)
  @Roles('coordinator', 'admin')
  @ApiIfMatch()
  @ApiOkResponse({ type: EnrollmentDto, headers: ETAG_RESPONSE_HEADERS })
  @ApiNotFoundResponse({ description: 'No such enrollment in your scope' })
  @ApiConflictResponse({
    description: 'Not allowed from the current status (enrollment-invalid-transition)',
  })
  async withdraw(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: EndEnrollmentDto,
    @CurrentCaller() caller: Caller,
    @IfMatch() ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<EnrollmentDto> {
    return withEtag(reply, await this.enrollments.withdraw(caller, id, body, ifMatch));
  }

  @ApiOperation({
    summary: 'Terminate an enrollment',
    description: 'Ends the enrollment for non-compliance, with a reason.',
  })
  @Post(':id/terminate')
  @Audited({ action: 'enrollment.terminate', subject: 'enrollment', id: { param: 'id' } })
  @HttpCode(200)
  @Roles('coordinator', 'admin')
  @ApiIfMatch()
  @ApiOkResponse({ type: EnrollmentDto, headers: ETAG_RESPONSE_HEADERS })
  @ApiNotFoundResponse({ description: 'No such enrollment in your scope' })
  @ApiConflictResponse({
    description: 'Not allowed from the current status (enrollment-invalid-transition)',
  })
  async terminate(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: EndEnrollmentDto,
    @CurrentCaller() caller: Caller,
    @IfMatch() ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<EnrollmentDto> {
    return withEtag(reply, await this.enrollments.terminate(caller, id, body, ifMatch));
  }

  @ApiOperation({
    summary: 'Assign the enrollment to a coordinator',
    description:
      "Puts the enrollment in an enabled coordinator's caseload (of the owning agency); it starts in its creator's.",
  })
  @Post(':id/assign')
  @Audited({ action: 'enrollment.assigned', subject: 'enrollment', id: { param: 'id' } })
  @HttpCode(200)
  @Roles('coordinator', 'admin')
  @ApiIfMatch()
  @ApiOkResponse({ type: EnrollmentDto, headers: ETAG_RESPONSE_HEADERS })
  @ApiNotFoundResponse({ description: 'No such enrollment in your scope' })
  @ApiUnprocessableEntityResponse({
    description: 'The assignee is not an enabled coordinator of the owning agency',
  })
  async assign(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: AssignEnrollmentDto,
    @CurrentCaller() caller: Caller,
    @IfMatch() ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<EnrollmentDto> {
    return withEtag(reply, await this.enrollments.assign(caller, id, body, ifMatch));
  }

  @ApiOperation({
    summary: 'Submit for court review',
    description:
      'Moves an active enrollment whose plan is complete to `pending_court_review` for the named court.',
  })
  @Post(':id/submit-for-review')
  @Audited({ action: 'enrollment.submit_for_review', subject: 'enrollment', id: { param: 'id' } })
  @HttpCode(200)
  @Roles('coordinator', 'admin')
  @ApiIfMatch()
  @ApiOkResponse({ type: EnrollmentDto, headers: ETAG_RESPONSE_HEADERS })
  @ApiNotFoundResponse({ description: 'No such enrollment in your scope' })
  @ApiConflictResponse({
    description:
      'Not active (enrollment-invalid-transition), or a milestone is not met (enrollment-plan-incomplete)',
  })
  @ApiUnprocessableEntityResponse({
    description: 'No court named while there are several, or courtAgencyId is not a court',
  })
  async submitForReview(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: SubmitForReviewDto,
    @CurrentCaller() caller: Caller,
    @IfMatch() ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<EnrollmentDto> {
    return withEtag(reply, await this.enrollments.submitForReview(caller, id, body, ifMatch));
  }
}
