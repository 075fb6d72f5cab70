import { Controller, Get, Headers, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../identity/access/access-policy.decorators';
import { NotAudited } from '../infrastructure/audit-context/audited.decorator';
import { MetricsService } from './metrics.service';

/** `GET /metrics` (outside /api/v1, like health): for the monitoring system, not partners. */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Public()
  @NotAudited('scraped every few seconds by monitoring; counts only, guarded by METRICS_TOKEN')
  async scrape(
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const { contentType, body } = await this.metrics.scrape(authorization);
    void reply.type(contentType);
    return body;
  }
}
