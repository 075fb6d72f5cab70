import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../common/config/app-config';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import { AgencyEntity } from './agencies/agency.entity';
import { PasswordHasher } from './auth/password-hasher';
import { UserEntity } from './users/user.entity';

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
    private readonly hasher: PasswordHasher,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const admin = this.config.bootstrapAdmin;
    if (!admin) return;
    const passwordHash = await this.hasher.hash(admin.password);
    const created = await this.uow.run(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('first-step:bootstrap-admin'))`);
      if ((await manager.getRepository(UserEntity).count()) > 0) return false;
      const agencies = manager.getRepository(AgencyEntity);
      const system =
        (await agencies.findOneBy({ kind: 'system', name: 'System' })) ??
        (await agencies.save(agencies.create({ name: 'System', kind: 'system', services: [] })));
      await manager.getRepository(UserEntity).insert({
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
