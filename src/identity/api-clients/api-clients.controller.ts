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
import { ApiIfMatch, ETAG_RESPONSE_HEADERS, IfMatch, withEtag } from '../../common/http/etag';
import { ShownOnce } from '../../common/idempotency/shown-once.decorator';
import { PageDto } from '../../common/pagination/page.dto';
import { Page, PageQueryDto } from '../../common/pagination/pagination';
import { Audited } from '../../infrastructure/audit-context/audited.decorator';
import { Roles } from '../access/access-policy.decorators';
import { ApiClientsService } from './api-clients.service';
import {
  ApiClientDto,
  CreateApiClientDto,
  CreatedApiClientDto,
  RotatedSecretDto,
} from './dto/api-client.dto';

@ApiTags('administration')
@Controller('api-clients')
export class ApiClientsController {
  constructor(private readonly clients: ApiClientsService) {}

  @ApiOperation({
    summary: 'Create an API client',
    description:
      'Creates a machine client for an agency with the scopes it may request; the client secret is in this response only and is never shown again.',
  })
  @Post()
  @Audited({ action: 'api_client.created', subject: 'api_client', id: 'result' })
  @Roles('admin')
  @ShownOnce('clientSecret')
  @ApiCreatedResponse({ type: CreatedApiClientDto })
  @ApiUnprocessableEntityResponse({ description: 'Unknown agency' })
  create(@Body() body: CreateApiClientDto): Promise<CreatedApiClientDto> {
    return this.clients.create(body);
  }

  @ApiOperation({
    summary: 'List API clients',
    description: 'Machine clients of every agency, without secrets.',
  })
  @Get()
  @Audited({ action: 'api_client.listed', subject: 'api_client', id: 'items' })
  @Roles('admin')
  @ApiOkResponse({ type: PageDto(ApiClientDto) })
  list(@Query() page: PageQueryDto): Promise<Page<ApiClientDto>> {
    return this.clients.list(page);
  }

  @ApiOperation({
    summary: 'Read an API client',
    description: 'One client, without its secret, with an ETag for revoke and rotate-secret.',
  })
  @Get(':id')
  @Audited({ action: 'api_client.read', subject: 'api_client', id: { param: 'id' } })
  @Roles('admin')
  @ApiOkResponse({
    headers: ETAG_RESPONSE_HEADERS,
    type: ApiClientDto,
    description: 'With an ETag',
  })
  @ApiNotFoundResponse({ description: 'No such client' })
  async get(
    @Param('id', ParseUUIDPipe) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ApiClientDto> {
    return withEtag(reply, await this.clients.get(id));
  }

  @ApiOperation({
    summary: 'Revoke an API client',
    description:
      'The client can no longer obtain tokens, and tokens already issued stop working. Optional If-Match.',
  })
  @Post(':id/revoke')
  @Audited({ action: 'api_client.revoked', subject: 'api_client', id: { param: 'id' } })
  @Roles('admin')
  @HttpCode(200)
  @ApiIfMatch()
  @ApiOkResponse({
    headers: ETAG_RESPONSE_HEADERS,
    type: ApiClientDto,
    description: 'Revoked; its tokens stop working within seconds',
  })
  @ApiNotFoundResponse({ description: 'No such client' })
  @ApiConflictResponse({ description: 'Already revoked' })
  async revoke(
    @Param('id', ParseUUIDPipe) id: string,
    @IfMatch() ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ApiClientDto> {
    return withEtag(reply, await this.clients.revoke(id, ifMatch));
  }

  @ApiOperation({
    summary: 'Rotate an API client secret',
    description:
      'Issues a new secret (shown once, in this response); the old one stops working. Optional If-Match.',
  })
  @Post(':id/rotate-secret')
  @Audited({ action: 'api_client.secret_rotated', subject: 'api_client', id: { param: 'id' } })
  @Roles('admin')
  @ShownOnce('clientSecret')
  @HttpCode(200)
  @ApiIfMatch()
  @ApiOkResponse({
    headers: ETAG_RESPONSE_HEADERS,
    type: RotatedSecretDto,
    description: 'The new secret, shown once; the previous one works until previousSecretExpiresAt',
  })
  @ApiNotFoundResponse({ description: 'No such client' })
  @ApiConflictResponse({ description: 'The client is revoked' })
  async rotateSecret(
    @Param('id', ParseUUIDPipe) id: string,
    @IfMatch() ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RotatedSecretDto> {
    return withEtag(reply, await this.clients.rotateSecret(id, ifMatch));
  }
}
