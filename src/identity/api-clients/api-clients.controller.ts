import { Body, Controller, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { ShownOnce } from '../../common/idempotency/shown-once.decorator';
import { Roles } from '../access/access-policy.decorators';
import { ApiClientsService } from './api-clients.service';
import { CreateApiClientDto, CreatedApiClientDto } from './dto/api-client.dto';
import { Audited } from '../../infrastructure/audit-context/audited.decorator';

@ApiTags('administration')
@Controller('api-clients')
export class ApiClientsController {
  constructor(private readonly clients: ApiClientsService) {}

  @Post()
  @Audited({ action: 'api_client.created', subject: 'api_client', id: 'result' })
  @Roles('admin')
  @ShownOnce('clientSecret')
  @ApiCreatedResponse({ type: CreatedApiClientDto })
  @ApiUnprocessableEntityResponse({ description: 'Unknown agency' })
  create(@Body() body: CreateApiClientDto): Promise<CreatedApiClientDto> {
    return this.clients.create(body);
  }
}
