import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
  ApiOperation,
} from '@nestjs/swagger';
import { PageDto } from '../common/pagination/page.dto';
import { Page } from '../common/pagination/pagination';
import { Roles, Scopes } from '../identity/access/access-policy.decorators';
import type { Caller } from '../identity/access/caller';
import { CurrentCaller } from '../identity/access/current-caller.decorator';
import {
  ParticipantDto,
  RegisterParticipantDto,
  SearchParticipantsQueryDto,
} from './dto/participant.dto';
import { ParticipantsService } from './participants.service';
import { Audited } from '../infrastructure/audit-context/audited.decorator';

@ApiTags('participants and arrest records')
@Controller('participants')
export class ParticipantsController {
  constructor(private readonly participants: ParticipantsService) {}

  @ApiOperation({
    summary: 'Register a participant',
    description: 'Registers a minor referred to the program; the age rule applies.',
  })
  @Post()
  @Audited({ action: 'participant.created', subject: 'participant', id: 'result' })
  @Roles('coordinator', 'admin')
  @ApiCreatedResponse({ type: ParticipantDto })
  @ApiBadRequestResponse({ description: 'Invalid fields, or a date of birth in the future' })
  @ApiUnprocessableEntityResponse({ description: 'participant-not-minor: 18 or older today' })
  register(
    @Body() body: RegisterParticipantDto,
    @CurrentCaller() caller: Caller,
  ): Promise<ParticipantDto> {
    return this.participants.register(body, caller);
  }

  @ApiOperation({
    summary: 'Search participants',
    description: 'Participants the caller may see, by name or case number, keyset-paginated.',
  })
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

  @ApiOperation({
    summary: 'Read a participant',
    description:
      "A participant the caller may see; what is shown depends on the caller's role and agency.",
  })
  @Get(':id')
  @Audited({ action: 'participant.read', subject: 'participant', id: { param: 'id' } })
  @Roles('coordinator', 'admin', 'provider', 'court')
  @Scopes('participants:read')
  @ApiOkResponse({ type: ParticipantDto })
  @ApiNotFoundResponse({ description: 'No such participant in your scope' })
  get(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentCaller() caller: Caller,
  ): Promise<ParticipantDto> {
    return this.participants.get(id, caller);
  }
}
