import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiTags,
  ApiOperation,
} from '@nestjs/swagger';
import { PageDto } from '../../common/pagination/page.dto';
import { Page, PageQueryDto } from '../../common/pagination/pagination';
import { ROLES } from '../access/roles-and-scopes';
import { Roles } from '../access/access-policy.decorators';
import { AgenciesService } from './agencies.service';
import { AgencyDto, CreateAgencyDto } from './dto/agency.dto';
import { Audited } from '../../infrastructure/audit-context/audited.decorator';

@ApiTags('administration')
@Controller('agencies')
export class AgenciesController {
  constructor(private readonly agencies: AgenciesService) {}

  @ApiOperation({
    summary: 'Create an agency',
    description:
      'Registers a participating agency (its kind decides which roles its people may have). A name already in use is 409.',
  })
  @Post()
  @Audited({ action: 'agency.created', subject: 'agency', id: 'result' })
  @Roles('admin')
  @ApiCreatedResponse({ type: AgencyDto })
  @ApiConflictResponse({ description: 'Name already used' })
  create(@Body() body: CreateAgencyDto): Promise<AgencyDto> {
    return this.agencies.create(body);
  }

  @ApiOperation({
    summary: 'List agencies',
    description: 'Every agency of the program, keyset-paginated.',
  })
  @Get()
  @Audited({ action: 'agency.listed', subject: 'agency', id: 'none' })
  @Roles(...ROLES)
  @ApiOkResponse({ type: PageDto(AgencyDto) })
  list(@Query() page: PageQueryDto): Promise<Page<AgencyDto>> {
    return this.agencies.list(page);
  }
}
