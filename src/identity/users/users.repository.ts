import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '../../infrastructure/database/unit-of-work';
import type { Role } from '../access/roles-and-scopes';
import { UserEntity } from './user.entity';

export interface NewUser {
  email: string;
  displayName: string;
  role: Role;
  agencyId: string;
  passwordHash: string;
}

/** The `users` table: the only code that reads or writes it. */
@Injectable()
export class UsersRepository {
  constructor(private readonly uow: UnitOfWork) {}

  private get users() {
    return this.uow.manager.getRepository(UserEntity);
  }

  insert(user: NewUser): Promise<UserEntity> {
    return this.users.save(this.users.create(user));
  }

  count(): Promise<number> {
    return this.users.count();
  }

  /** An enabled user by (lower-cased) email, with the password hash that is otherwise never selected. */
  findEnabledWithPasswordHash(email: string): Promise<UserEntity | null> {
    return this.users
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('u.email = :email AND u.disabledAt IS NULL', { email })
      .getOne();
  }

  /**
   * Serialises the bootstrap of the first admin across instances (transaction-scoped: call
   * it inside `UnitOfWork.run`).
   */
  async lockForBootstrap(): Promise<void> {
    await this.uow.manager.query(
      `SELECT pg_advisory_xact_lock(hashtext('first-step:bootstrap-admin'))`,
    );
  }
}
