import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { Public } from '../identity/access/access-policy.decorators';
import { MigrationsHealthIndicator } from './migrations.health';
import { NotAudited } from '../infrastructure/audit-context/audited.decorator';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly migrations: MigrationsHealthIndicator,
  ) {}

  /** The process is up and serving HTTP. */
  @Get('live')
  @NotAudited('Probe of the process: no caller, no data')
  @Public()
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** The database answers and its schema is current. */
  @Get('ready')
  @NotAudited('Probe of the database: no caller, no data')
  @Public()
  @HealthCheck()
  @ApiServiceUnavailableResponse({ description: 'Database unreachable or migrations pending' })
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.database.pingCheck('database', { timeout: 2000 }),
      () => this.migrations.isUpToDate('migrations'),
    ]);
  }
}
