import { Injectable } from '@nestjs/common';
import { cursorTimestampSql, TimeIdKey } from '../../common/pagination/time-id-cursor';
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

/** A principal whose tokens are not all good: disabled, or with a bumped token version. */
export interface ChangedPrincipal {
  id: string;
  tokenVersion: number;
  blocked: boolean;
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

  findById(id: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ id });
  }

  /** The row, locked until the transaction ends (call inside `UnitOfWork.run`). */
  findByIdForUpdate(id: string): Promise<UserEntity | null> {
    return this.users.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  save(user: UserEntity): Promise<UserEntity> {
    return this.users.save(user);
  }

  /**
   * Locks every enabled admin until the transaction ends and returns their ids, so two
   * admins disabling each other at once cannot leave none.
   */
  async lockEnabledAdmins(): Promise<string[]> {
    const rows = await this.users
      .createQueryBuilder('u')
      .select('u.id', 'id')
      .where(`u.role = 'admin' AND u.disabledAt IS NULL`)
      .setLock('pessimistic_write')
      .getRawMany<{ id: string }>();
    return rows.map((row) => row.id);
  }

  /** One page in `(created_at, id)` order, `limit + 1` rows, each with its exact cursor time. */
  async listByCreation(
    limit: number,
    after?: TimeIdKey,
  ): Promise<{ user: UserEntity; cursorAt: string }[]> {
    const query = this.users
      .createQueryBuilder('u')
      .addSelect(cursorTimestampSql('u.created_at'), 'cursor_at')
      .orderBy('u.created_at', 'ASC')
      .addOrderBy('u.id', 'ASC')
      .limit(limit + 1);
    if (after) {
      query.where('(u.created_at, u.id) > (:cursorAt::timestamptz, :cursorId::uuid)', after);
    }
    const { entities, raw } = await query.getRawAndEntities<{ cursor_at: string }>();
    return entities.map((user, index) => ({ user, cursorAt: raw[index].cursor_at }));
  }

  /** Users whose older tokens must be refused (partial index `users_changed_status`). */
  async listChangedStatuses(): Promise<ChangedPrincipal[]> {
    const rows: { id: string; token_version: number; blocked: boolean }[] =
      await this.uow.manager.query(
        `SELECT id, token_version, disabled_at IS NOT NULL AS blocked FROM users
          WHERE token_version > 1 OR disabled_at IS NOT NULL`,
      );
    return rows.map((row) => ({
      id: row.id,
      tokenVersion: row.token_version,
      blocked: row.blocked,
    }));
  }
}
