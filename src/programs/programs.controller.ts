import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Query, Res } from '@nestjs/common';
import {
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiPreconditionFailedResponse,
  ApiResponse,
  ApiTags,
  ApiOperation,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ETAG_RESPONSE_HEADERS, IfMatch, withEtag } from '../common/http/etag';
import { PageDto } from '../common/pagination/page.dto';
import { Page, PageQueryDto } from '../common/pagination/pagination';
import { Roles } from '../identity/access/access-policy.decorators';
import { Audited } from '../infrastructure/audit-context/audited.decorator';
import { ProgramDto, UpdateProgramDto } from './dto/program.dto';
import { ProgramsService } from './programs.service';

@ApiTags('administration')
@Controller('programs')
export class ProgramsController {
  constructor(private readonly programs: ProgramsService) {}

  @ApiOperation({
    summary: 'List the programs',
    description: 'The diversion programs and their settings (admins).',
  })
  @Get()
  @Audited({ action: 'program.listed', subject: 'program', id: 'items' })
  @Roles('admin')
  @ApiOkResponse({ type: PageDto(ProgramDto) })
  list(@Query() page: PageQueryDto): Promise<Page<ProgramDto>> {
    return this.programs.list(page);
  }

  @ApiOperation({
    summary: 'Read a program',
    description: "A program's settings, with its ETag (admins).",
  })
  @Get(':id')
  @Audited({ action: 'program.read', subject: 'program', id: { param: 'id' } })
  @Roles('admin')
  @ApiOkResponse({ type: ProgramDto, headers: ETAG_RESPONSE_HEADERS })
  @ApiNotFoundResponse({ description: 'No such program' })
  async get(
    @Param('id', ParseUUIDPipe) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ProgramDto> {
    return withEtag(reply, await this.programs.get(id));
  }

  @ApiOperation({
    summary: "Change a program's settings",
    description:
      'Length, guardian consent, sites, retention years, time zone (admins, If-Match). Changes apply to enrollments opened afterwards; existing ones keep their terms.',
  })
  @Patch(':id')
  @Audited({ action: 'program.settings_changed', subject: 'program', id: { param: 'id' } })
  @Roles('admin')
  @ApiHeader({ name: 'If-Match', required: true, description: 'The ETag last read, e.g. "2"' })
  @ApiOkResponse({ type: ProgramDto, headers: ETAG_RESPONSE_HEADERS })
  @ApiNotFoundResponse({ description: 'No such program' })
  @ApiPreconditionFailedResponse({ description: 'If-Match is stale' })
  @ApiResponse({ status: 428, description: 'If-Match missing' })
  async update(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateProgramDto,
    @IfMatch() ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ProgramDto> {
    return withEtag(reply, await this.programs.update(id, body, ifMatch));
  }
}
