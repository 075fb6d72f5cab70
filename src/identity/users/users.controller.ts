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
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
  ApiOperation,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiIfMatch, ETAG_RESPONSE_HEADERS, IfMatch, withEtag } from '../../common/http/etag';
import { PageDto } from '../../common/pagination/page.dto';
import { Page, PageQueryDto } from '../../common/pagination/pagination';
import { Audited } from '../../infrastructure/audit-context/audited.decorator';
import { Roles } from '../access/access-policy.decorators';
import { CreateUserDto, UpdateUserDto, UserDto } from './dto/user.dto';
import { UsersService } from './users.service';

@ApiTags('administration')
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @ApiOperation({
    summary: 'Create a user',
    description: "Creates an account with a role allowed for the agency's kind.",
  })
  @Post()
  @Audited({ action: 'user.created', subject: 'user', id: 'result' })
  @Roles('admin')
  @ApiCreatedResponse({ type: UserDto })
  @ApiConflictResponse({ description: 'Email already used' })
  @ApiUnprocessableEntityResponse({
    description: 'Unknown agency, or role not allowed for its kind',
  })
  create(@Body() body: CreateUserDto): Promise<UserDto> {
    return this.users.create(body);
  }

  @ApiOperation({
    summary: 'List users',
    description: 'People with accounts, keyset-paginated.',
  })
  @Get()
  @Audited({ action: 'user.listed', subject: 'user', id: 'items' })
  @Roles('admin')
  @ApiOkResponse({ type: PageDto(UserDto) })
  list(@Query() page: PageQueryDto): Promise<Page<UserDto>> {
    return this.users.list(page);
  }

  @ApiOperation({
    summary: 'Read a user',
    description: 'One account, with an ETag for changes.',
  })
  @Get(':id')
  @Audited({ action: 'user.read', subject: 'user', id: { param: 'id' } })
  @Roles('admin')
  @ApiOkResponse({ headers: ETAG_RESPONSE_HEADERS, type: UserDto, description: 'With an ETag' })
  @ApiNotFoundResponse({ description: 'No such user' })
  async get(
    @Param('id', ParseUUIDPipe) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<UserDto> {
    return withEtag(reply, await this.users.get(id));
  }

  @ApiOperation({
    summary: 'Change a user',
    description:
      "Changes role, display name or disabled; If-Match required. Disabling ends the user's access within seconds, tokens included.",
  })
  @Patch(':id')
  @Audited({ action: 'user.updated', subject: 'user', id: { param: 'id' } })
  @Roles('admin')
  @ApiIfMatch()
  @ApiOkResponse({
    headers: ETAG_RESPONSE_HEADERS,
    type: UserDto,
    description: 'With the new ETag',
  })
  @ApiNotFoundResponse({ description: 'No such user' })
  @ApiConflictResponse({ description: 'The last enabled admin cannot be disabled or re-roled' })
  @ApiUnprocessableEntityResponse({ description: 'Role not allowed for the user agency kind' })
  @ApiResponse({ status: 428, description: 'If-Match missing' })
  async update(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateUserDto,
    @IfMatch() ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<UserDto> {
    return withEtag(reply, await this.users.update(id, body, ifMatch));
  }
}
