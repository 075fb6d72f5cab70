import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { DataSource } from 'typeorm';

/** Ready only when every migration the code knows has been applied to the database. */
@Injectable()
export class MigrationsHealthIndicator {
  constructor(
    private readonly dataSource: DataSource,
    private readonly indicator: HealthIndicatorService,
  ) {}

  async isUpToDate(key: string): Promise<HealthIndicatorResult> {
    const check = this.indicator.check(key);
    try {
      const pending = await this.dataSource.showMigrations();
      return pending ? check.down({ message: 'migrations pending' }) : check.up();
    } catch {
      return check.down({ message: 'cannot read migrations' });
    }
  }
}
