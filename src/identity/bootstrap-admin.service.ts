import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../common/config/app-config';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import { AgenciesRepository } from './agencies/agencies.repository';
import { PasswordHasher } from './auth/password-hasher';
import { UsersRepository } from './users/users.repository';

/**
 * Creates the first admin (and its `System` agency) when the database has no user yet.
 * An advisory lock makes two instances starting together create exactly one.
 */
@Injectable()
export class BootstrapAdmin implements OnApplicationBootstrap {
  private readonly logger = new Logger(BootstrapAdmin.name);

  constructor(
    private readonly config: AppConfig,
    private readonly uow: UnitOfWork,
    private readonly users: UsersRepository,
    private readonly agencies: AgenciesRepository,
    private readonly hasher: PasswordHasher,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const admin = this.config.bootstrapAdmin;
    if (!admin) return;
    const passwordHash = await this.hasher.hash(admin.password);
    const created = await this.uow.run(async () => {
      await this.users.lockForBootstrap();
      if ((await this.users.count()) > 0) return false;
      const system = await this.agencies.findOrCreateSystem();
      await this.users.insert({
        email: admin.email.trim().toLowerCase(),
        displayName: 'Bootstrap administrator',
        role: 'admin',
        agencyId: system.id,
        passwordHash,
      });
      return true;
    });
    if (created) this.logger.log('created the bootstrap admin user');
  }
}
