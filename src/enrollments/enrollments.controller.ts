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
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiIfMatch, IfMatch, withEtag } from '../common/http/etag';
import { PageDto } from '../common/pagination/page.dto';
import { Page } from '../common/pagination/pagination';
import { Roles, Scopes } from '../identity/access/access-policy.decorators';
import type { Caller } from '../identity/access/caller';
import { CurrentCaller } from '../identity/access/current-caller.decorator';
import {
  CreateEnrollmentDto,
  EndEnrollmentDto,
  EnrollmentDto,
  ExtendEnrollmentDto,
  ListEnrollmentsQueryDto,
  SubmitForReviewDto,
} from './dto/enrollment.dto';
import { EnrollmentsService } from './enrollments.service';
import { Audited } from '../infrastructure/audit-context/audited.decorator';

const ETAG_HEADER = {
  ETag: { description: 'Strong entity tag of the enrollment', schema: { type: 'string' } },
};

@ApiTags('enrollments')
@Controller('enrollments')
export class EnrollmentsController {
  constructor(private readonly enrollments: EnrollmentsService) {}

  @Post()
  @Audited({ action: 'enrollment.created', subject: 'enrollment', id: 'result' })
  @Roles('coordinator', 'admin')
  @ApiCreatedResponse({ type: EnrollmentDto, headers: ETAG_HEADER })
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

  @Get(':id')
  @Audited({ action: 'enrollment.read', subject: 'enrollment', id: { param: 'id' } })
  @Roles('coordinator', 'admin', 'provider', 'court')
  @Scopes('enrollments:read')
  @ApiOkResponse({ type: EnrollmentDto, headers: ETAG_HEADER })
  @ApiNotFoundResponse({ description: 'No such enrollment in your scope' })
  async get(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<EnrollmentDto> {
    return withEtag(reply, await this.enrollments.get(caller, id));
  }

  @Post(':id/extend')
  @Audited({ action: 'enrollment.extended', subject: 'enrollment', id: { param: 'id' } })
  @HttpCode(200)
  @Roles('coordinator', 'admin')
  @ApiIfMatch()
  @ApiOkResponse({ type: EnrollmentDto, headers: ETAG_HEADER })
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

  @Post(':id/withdraw')
  @Audited({ action: 'enrollment.withdraw', subject: 'enrollment', id: { param: 'id' } })
  @HttpCode(200)
  @Roles('coordinator', 'admin')
  @ApiIfMatch()
  @ApiOkResponse({ type: EnrollmentDto, headers: ETAG_HEADER })
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

  @Post(':id/terminate')
  @Audited({ action: 'enrollment.terminate', subject: 'enrollment', id: { param: 'id' } })
  @HttpCode(200)
  @Roles('coordinator', 'admin')
  @ApiIfMatch()
  @ApiOkResponse({ type: EnrollmentDto, headers: ETAG_HEADER })
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

  @Post(':id/submit-for-review')
  @Audited({ action: 'enrollment.submit_for_review', subject: 'enrollment', id: { param: 'id' } })
  @HttpCode(200)
  @Roles('coordinator', 'admin')
  @ApiIfMatch()
  @ApiOkResponse({ type: EnrollmentDto, headers: ETAG_HEADER })
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
