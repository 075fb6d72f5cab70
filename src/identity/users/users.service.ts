import { Injectable } from '@nestjs/common';
import { DomainError } from '../../common/errors/domain-error';
import { isUniqueViolation } from '../../infrastructure/database/postgres-errors';
import { AgenciesService } from '../agencies/agencies.service';
import { AGENCY_KINDS_FOR_ROLE } from '../agencies/agency-kind';
import { PasswordHasher } from '../auth/password-hasher';
import { CreateUserDto, UserDto } from './dto/user.dto';
import { UsersRepository } from './users.repository';

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly agencies: AgenciesService,
    private readonly hasher: PasswordHasher,
  ) {}

  async create(input: CreateUserDto): Promise<UserDto> {
    const agency = await this.agencies.findById(input.agencyId);
    if (!agency) throw new DomainError('AGENCY_NOT_FOUND', 'agencyId does not name an agency');
    if (!AGENCY_KINDS_FOR_ROLE[input.role].includes(agency.kind)) {
      throw new DomainError(
        'USER_ROLE_AGENCY_MISMATCH',
        `A ${input.role} must belong to an agency of kind ${AGENCY_KINDS_FOR_ROLE[input.role].join(', ')}`,
      );
    }
    const passwordHash = await this.hasher.hash(input.password);
    try {
      const saved = await this.users.insert({
        email: input.email.trim().toLowerCase(),
        displayName: input.displayName.trim(),
        role: input.role,
        agencyId: agency.id,
        passwordHash,
      });
      return UserDto.from(saved);
    } catch (error) {
      if (isUniqueViolation(error, 'users_email_unique')) {
        throw new DomainError('USER_EMAIL_TAKEN', 'A user with this email already exists');
      }
      throw error;
    }
  }

  async count(): Promise<number> {
    return this.users.count();
  }
}
