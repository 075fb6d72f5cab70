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
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiIfMatch, IfMatch, withEtag } from '../../common/http/etag';
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

  @Get()
  @Audited({ action: 'user.listed', subject: 'user', id: 'items' })
  @Roles('admin')
  @ApiOkResponse({ type: PageDto(UserDto) })
  list(@Query() page: PageQueryDto): Promise<Page<UserDto>> {
    return this.users.list(page);
  }

  @Get(':id')
  @Audited({ action: 'user.read', subject: 'user', id: { param: 'id' } })
  @Roles('admin')
  @ApiOkResponse({ type: UserDto, description: 'With an ETag' })
  @ApiNotFoundResponse({ description: 'No such user' })
  async get(
    @Param('id', ParseUUIDPipe) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<UserDto> {
    return withEtag(reply, await this.users.get(id));
  }

  @Patch(':id')
  @Audited({ action: 'user.updated', subject: 'user', id: { param: 'id' } })
  @Roles('admin')
  @ApiIfMatch()
  @ApiOkResponse({ type: UserDto, description: 'With the new ETag' })
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
