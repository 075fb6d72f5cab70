import { Controller, Get } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiOperation,
} from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { Public } from '../identity/access/access-policy.decorators';
import { MigrationsHealthIndicator } from './migrations.health';
import { NotAudited } from '../infrastructure/audit-context/audited.decorator';

/** Probes are never cached (terminus sets the header on `ready`). */
const NO_CACHE_HEADERS = {
  'Cache-Control': {
    description: 'no-cache, no-store, must-revalidate',
    required: true,
    schema: { type: 'string' },
  },
};
const CHECKS = {
  type: 'object' as const,
  additionalProperties: {
    type: 'object' as const,
    required: ['status'],
    properties: { status: { type: 'string' as const, enum: ['up', 'down'] } },
  },
};
const HEALTH_CHECK_RESULT_SCHEMA = {
  type: 'object' as const,
  required: ['status', 'details'],
  properties: {
    status: { type: 'string' as const, enum: ['ok'] },
    info: CHECKS,
    error: CHECKS,
    details: CHECKS,
  },
  example: { status: 'ok', info: { database: { status: 'up' } }, error: {}, details: {} },
};

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly migrations: MigrationsHealthIndicator,
  ) {}

  /** The process is up and serving HTTP. */
  @ApiOperation({
    summary: 'Liveness',
    description: 'The process is up (no dependency checked).',
  })
  @Get('live')
  @NotAudited('Probe of the process: no caller, no data')
  @Public()
  @ApiOkResponse({
    description: 'Alive',
    schema: {
      type: 'object',
      required: ['status'],
      properties: { status: { type: 'string', enum: ['ok'] } },
    },
  })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** The database answers and its schema is current. */
  @ApiOperation({
    summary: 'Readiness',
    description: 'The database answers and no migration is pending; 503 otherwise.',
  })
  @Get('ready')
  @NotAudited('Probe of the database: no caller, no data')
  @Public()
  // Terminus's own OpenAPI says the 503 is JSON; it is a problem document (the global filter).
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOkResponse({
    description: 'Ready: each check is up',
    headers: NO_CACHE_HEADERS,
    schema: HEALTH_CHECK_RESULT_SCHEMA,
  })
  @ApiServiceUnavailableResponse({
    description: 'Database unreachable or migrations pending',
    headers: NO_CACHE_HEADERS,
  })
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.database.pingCheck('database', { timeout: 2000 }),
      () => this.migrations.isUpToDate('migrations'),
    ]);
  }
}
