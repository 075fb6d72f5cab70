import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
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

  @Post()
  @Audited({ action: 'agency.created', subject: 'agency', id: 'result' })
  @Roles('admin')
  @ApiCreatedResponse({ type: AgencyDto })
  @ApiConflictResponse({ description: 'Name already used' })
  create(@Body() body: CreateAgencyDto): Promise<AgencyDto> {
    return this.agencies.create(body);
  }

  @Get()
  @Audited({ action: 'agency.listed', subject: 'agency', id: 'none' })
  @Roles(...ROLES)
  @ApiOkResponse({ type: PageDto(AgencyDto) })
  list(@Query() page: PageQueryDto): Promise<Page<AgencyDto>> {
    return this.agencies.list(page);
  }
}
