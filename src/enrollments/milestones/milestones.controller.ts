import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiPreconditionFailedResponse,
  ApiResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiIfMatch, IfMatch, withEtag } from '../../common/http/etag';
import { Roles, Scopes } from '../../identity/access/access-policy.decorators';
import type { Caller } from '../../identity/access/caller';
import { CurrentCaller } from '../../identity/access/current-caller.decorator';
import {
  CorrectMilestoneDto,
  CreateMilestoneDto,
  MilestoneDto,
  RemoveMilestoneQueryDto,
} from './dto/milestone.dto';
import { MilestonesService } from './milestones.service';
import { Audited } from '../../infrastructure/audit-context/audited.decorator';

const ETAG_HEADER = {
  ETag: { description: 'Strong entity tag of the milestone', schema: { type: 'string' } },
};

@ApiTags('enrollments')
@Controller()
export class MilestonesController {
  constructor(private readonly milestones: MilestonesService) {}

  @Post('enrollments/:id/milestones')
  @Audited({ action: 'milestone.created', subject: 'milestone', id: 'result' })
  @Roles('coordinator', 'admin')
  @ApiIfMatch()
  @ApiCreatedResponse({ type: MilestoneDto, headers: ETAG_HEADER })
  @ApiNotFoundResponse({ description: 'No such enrollment in your scope' })
  @ApiConflictResponse({
    description:
      'A milestone of this category exists, or the plan is closed (court review or ended)',
  })
  @ApiUnprocessableEntityResponse({
    description: 'Unknown provider agency, or it does not offer the service',
  })
  async create(
    @Param('id', ParseUUIDPipe) enrollmentId: string,
    @Body() body: CreateMilestoneDto,
    @CurrentCaller() caller: Caller,
    @IfMatch() ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MilestoneDto> {
    return withEtag(reply, await this.milestones.create(caller, enrollmentId, body, ifMatch));
  }

  @Get('milestones/:id')
  @Audited({ action: 'milestone.read', subject: 'milestone', id: { param: 'id' } })
  @Roles('coordinator', 'admin', 'provider', 'court')
  @Scopes('enrollments:read')
  @ApiOkResponse({ type: MilestoneDto, headers: ETAG_HEADER })
  @ApiNotFoundResponse({ description: 'No such milestone in your scope' })
  async get(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MilestoneDto> {
    return withEtag(reply, await this.milestones.get(caller, id));
  }

  @Patch('milestones/:id')
  @Audited({ action: 'milestone.corrected', subject: 'milestone', id: { param: 'id' } })
  @Roles('coordinator', 'admin')
  @ApiHeader({ name: 'If-Match', required: true, description: 'The ETag last read, e.g. "2"' })
  @ApiOkResponse({ type: MilestoneDto, headers: ETAG_HEADER })
  @ApiNotFoundResponse({ description: 'No such milestone in your scope' })
  @ApiConflictResponse({ description: 'The plan is closed (court review or ended)' })
  @ApiUnprocessableEntityResponse({
    description: 'Unknown provider agency, or it does not offer the service',
  })
  @ApiPreconditionFailedResponse({ description: 'If-Match is stale' })
  @ApiResponse({ status: 428, description: 'If-Match missing' })
  async correct(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: CorrectMilestoneDto,
    @CurrentCaller() caller: Caller,
    @IfMatch() ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MilestoneDto> {
    return withEtag(reply, await this.milestones.correct(caller, id, body, ifMatch));
  }

  @Delete('milestones/:id')
  @Audited({ action: 'milestone.removed', subject: 'milestone', id: { param: 'id' } })
  @HttpCode(204)
  @Roles('coordinator', 'admin')
  @ApiIfMatch()
  @ApiNoContentResponse({ description: 'Removed; the removal and its reason stay in the history' })
  @ApiNotFoundResponse({ description: 'No such milestone in your scope' })
  @ApiConflictResponse({
    description: 'The milestone has attendance (milestone-has-attendance), or the plan is closed',
  })
  async remove(
    @Param('id', ParseUUIDPipe) id: string,
    @Query() query: RemoveMilestoneQueryDto,
    @CurrentCaller() caller: Caller,
    @IfMatch() ifMatch: string | undefined,
  ): Promise<void> {
    await this.milestones.remove(caller, id, query, ifMatch);
  }
}
