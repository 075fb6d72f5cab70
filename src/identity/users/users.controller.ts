import { Body, Controller, Post } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { Roles } from '../access/access-policy.decorators';
import { CreateUserDto, UserDto } from './dto/user.dto';
import { UsersService } from './users.service';
import { Audited } from '../../infrastructure/audit-context/audited.decorator';

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
}
