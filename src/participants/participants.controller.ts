import {
  Body,
  Controller,
  Get,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiPreconditionFailedResponse,
  ApiResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { PageDto } from '../common/pagination/page.dto';
import { Page } from '../common/pagination/pagination';
import { Roles, Scopes } from '../identity/access/access-policy.decorators';
import type { Caller } from '../identity/access/caller';
import { CurrentCaller } from '../identity/access/current-caller.decorator';
import type { FastifyReply } from 'fastify';
import { IfMatch, withEtag } from '../common/http/etag';
import {
  CorrectParticipantDto,
  ParticipantDto,
  RegisteredParticipantDto,
  RegisterParticipantDto,
  SearchParticipantsQueryDto,
} from './dto/participant.dto';
import { ParticipantsService } from './participants.service';
import { Audited } from '../infrastructure/audit-context/audited.decorator';

const ETAG_HEADER = {
  ETag: { description: 'Strong entity tag of the participant', schema: { type: 'string' } },
};

@ApiTags('participants and arrest records')
@Controller('participants')
export class ParticipantsController {
  constructor(private readonly participants: ParticipantsService) {}

  @Post()
  @Audited({ action: 'participant.created', subject: 'participant', id: 'result' })
  @Roles('coordinator', 'admin')
  @ApiCreatedResponse({ type: RegisteredParticipantDto })
  @ApiBadRequestResponse({ description: 'Invalid fields, or a date of birth in the future' })
  @ApiUnprocessableEntityResponse({ description: 'participant-not-minor: 18 or older today' })
  register(
    @Body() body: RegisterParticipantDto,
    @CurrentCaller() caller: Caller,
  ): Promise<RegisteredParticipantDto> {
    return this.participants.register(body, caller);
  }

  @Get()
  @Audited({ action: 'participant.listed', subject: 'participant', id: 'items' })
  @Roles('coordinator', 'admin', 'provider', 'court')
  @Scopes('participants:read')
  @ApiOkResponse({ type: PageDto(ParticipantDto) })
  search(
    @Query() query: SearchParticipantsQueryDto,
    @CurrentCaller() caller: Caller,
  ): Promise<Page<ParticipantDto>> {
    return this.participants.search(query, caller);
  }

  @Get(':id')
  @Audited({ action: 'participant.read', subject: 'participant', id: { param: 'id' } })
  @Roles('coordinator', 'admin', 'provider', 'court')
  @Scopes('participants:read')
  @ApiOkResponse({ type: ParticipantDto, headers: ETAG_HEADER })
  @ApiNotFoundResponse({ description: 'No such participant in your scope' })
  async get(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ParticipantDto> {
    return withEtag(reply, await this.participants.read(id, caller));
  }

  @Patch(':id')
  @Audited({ action: 'participant.corrected', subject: 'participant', id: { param: 'id' } })
  @Roles('coordinator', 'admin')
  @ApiHeader({ name: 'If-Match', required: true, description: 'The ETag last read, e.g. "2"' })
  @ApiOkResponse({ type: ParticipantDto, headers: ETAG_HEADER })
  @ApiBadRequestResponse({ description: 'Invalid fields, or an attempt to change caseNumber' })
  @ApiNotFoundResponse({ description: 'No such participant registered by your agency' })
  @ApiUnprocessableEntityResponse({ description: 'participant-not-minor at the referral date' })
  @ApiPreconditionFailedResponse({ description: 'If-Match is stale' })
  @ApiResponse({ status: 428, description: 'If-Match missing' })
  async correct(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: CorrectParticipantDto,
    @CurrentCaller() caller: Caller,
    @IfMatch() ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ParticipantDto> {
    return withEtag(reply, await this.participants.correct(id, body, caller, ifMatch));
  }
}
