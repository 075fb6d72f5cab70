import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { rmSync } from 'node:fs';
import { AppConfig } from '../common/config/app-config';
import { loadOrGenerateBootstrapPassword } from '../common/config/generated-secrets';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import { AgenciesRepository } from './agencies/agencies.repository';
import { PasswordHasher } from './auth/password-hasher';
import { UsersRepository } from './users/users.repository';

/**
 * Creates the first admin (and its `System` agency) when the database has no user yet:
 * with BOOTSTRAP_ADMIN_* when they are set; on a development start with nothing configured,
 * `admin@first-step.local` with a generated password written to an owner-only file in
 * DATA_DIR, whose path (never the password) the log names. An advisory lock makes two
 * instances starting together create exactly one.
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
    if (admin.kind === 'configured') {
      if (await this.createIfNoUser(admin.email, admin.password)) {
        this.logger.log('created the bootstrap admin user');
      }
      return;
    }
    // Generate nothing for a database that already has its users.
    if ((await this.users.count()) > 0) return;
    const password = loadOrGenerateBootstrapPassword(admin.dataDir);
    if (await this.createIfNoUser(admin.email, password.value)) {
      this.logger.warn(
        `created the bootstrap admin ${admin.email}: its generated password is in ${password.path} (owner-only)`,
      );
    } else if (password.created) {
      // Another instance created the first user meanwhile: this password opens nothing.
      rmSync(password.path, { force: true });
    }
  }

  private async createIfNoUser(email: string, password: string): Promise<boolean> {
    const passwordHash = await this.hasher.hash(password);
    return this.uow.run(async () => {
      await this.users.lockForBootstrap();
      if ((await this.users.count()) > 0) return false;
      const system = await this.agencies.findOrCreateSystem();
      await this.users.insert({
        email: email.trim().toLowerCase(),
        displayName: 'Bootstrap administrator',
        role: 'admin',
        agencyId: system.id,
        passwordHash,
      });
      return true;
    });
  }
}
