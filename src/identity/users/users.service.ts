import { Injectable } from '@nestjs/common';
import { DomainError } from '../../common/errors/domain-error';
import { isUniqueViolation } from '../../infrastructure/database/postgres-errors';
import { AgenciesService } from '../agencies/agencies.service';
import { AGENCY_KINDS_FOR_ROLE, type AgencyKind } from '../agencies/agency-kind';
import type { Role } from '../access/roles-and-scopes';
import { PasswordHasher } from '../auth/password-hasher';
import { assertIfMatchRequired, Versioned } from '../../common/http/etag';
import { NotFoundError } from '../../common/errors/domain-error';
import { Page, PageQueryDto, toPage } from '../../common/pagination/pagination';
import { decodeTimeIdCursor } from '../../common/pagination/time-id-cursor';
import { AuditContext } from '../../infrastructure/audit-context/audit-context';
import { PrincipalStatus } from '../auth/principal-status';
import { CreateUserDto, UpdateUserDto, UserDto } from './dto/user.dto';
import { UsersRepository } from './users.repository';

/** Minimum necessary, by agency: a role only belongs to suitable kinds of agency. */
function assertRoleSuitsAgency(role: Role, kind: AgencyKind): void {
  if (!AGENCY_KINDS_FOR_ROLE[role].includes(kind)) {
    throw new DomainError(
      'USER_ROLE_AGENCY_MISMATCH',
      `A ${role} must belong to an agency of kind ${AGENCY_KINDS_FOR_ROLE[role].join(', ')}`,
    );
  }
}

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly agencies: AgenciesService,
    private readonly hasher: PasswordHasher,
    private readonly status: PrincipalStatus,
    private readonly auditContext: AuditContext,
  ) {}

  async create(input: CreateUserDto): Promise<UserDto> {
    const agency = await this.agencies.findById(input.agencyId);
    if (!agency) throw new DomainError('AGENCY_NOT_FOUND', 'agencyId does not name an agency');
    assertRoleSuitsAgency(input.role, agency.kind);
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

  async list(page: PageQueryDto): Promise<Page<UserDto>> {
    const after = page.cursor ? decodeTimeIdCursor(page.cursor) : undefined;
    const rows = await this.users.listByCreation(page.limit, after);
    return toPage(
      rows,
      page.limit,
      (row) => [row.cursorAt, row.user.id],
      (row) => UserDto.from(row.user),
    );
  }

  /** A user as admins see them, or null (for checks in other modules, e.g. a case's assignee). */
  async findById(id: string): Promise<UserDto | null> {
    const user = await this.users.findById(id);
    return user ? UserDto.from(user) : null;
  }

  async get(id: string): Promise<Versioned<UserDto>> {
    const user = await this.users.findById(id);
    if (!user) throw new NotFoundError('User');
    return { body: UserDto.from(user), version: user.version };
  }

  /**
   * Re-roles, renames, disables or enables a user (If-Match required). Disabling or a new
   * role bumps the token version: tokens issued before stop working within seconds on every
   * instance (PrincipalStatus). The last enabled admin can be neither disabled nor re-roled.
   */
  async update(
    id: string,
    changes: UpdateUserDto,
    ifMatch: string | undefined,
  ): Promise<Versioned<UserDto>> {
    const user = await this.users.findByIdForUpdate(id);
    if (!user) throw new NotFoundError('User');
    assertIfMatchRequired(ifMatch, user.version);
    const roleChanged = changes.role !== undefined && changes.role !== user.role;
    const disabling = changes.disabled === true && user.disabledAt === null;
    const enabling = changes.disabled === false && user.disabledAt !== null;
    const renamed = changes.displayName !== undefined && changes.displayName !== user.displayName;
    if (!roleChanged && !disabling && !enabling && !renamed) {
      return { body: UserDto.from(user), version: user.version };
    }
    if (roleChanged) {
      const agency = await this.agencies.findById(user.agencyId);
      assertRoleSuitsAgency(changes.role!, agency!.kind);
    }
    if (user.role === 'admin' && user.disabledAt === null && (roleChanged || disabling)) {
      const admins = await this.users.lockEnabledAdmins();
      if (admins.length <= 1) {
        throw new DomainError(
          'USER_LAST_ACTIVE_ADMIN',
          'Create or enable another admin before disabling or re-roling this one',
        );
      }
    }
    const notes: { action: string; subjectType: string; subjectId: string }[] = [];
    const note = (action: string) => notes.push({ action, subjectType: 'user', subjectId: id });
    if (roleChanged) {
      user.role = changes.role!;
      note('user.role_changed');
    }
    if (renamed) user.displayName = changes.displayName!;
    if (disabling) {
      user.disabledAt = new Date();
      note('user.disabled');
    }
    if (enabling) {
      user.disabledAt = null;
      note('user.enabled');
    }
    if (roleChanged || disabling) user.tokenVersion += 1;
    user.version += 1;
    const saved = await this.users.save(user);
    this.auditContext.add(...notes);
    this.status.changed('user', saved.id, {
      tokenVersion: saved.tokenVersion,
      blocked: saved.disabledAt !== null,
    });
    return { body: UserDto.from(saved), version: saved.version };
  }
}
