import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags, ApiOperation } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '../identity/access/access-policy.decorators';
import type { Caller } from '../identity/access/caller';
import { CurrentCaller } from '../identity/access/current-caller.decorator';
import { Audited } from '../infrastructure/audit-context/audited.decorator';
import { OutcomesReportDto, OutcomesReportQueryDto } from './dto/outcomes-report.dto';
import { ReportsService } from './reports.service';

@ApiTags('reports')
@Controller('reports')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @ApiOperation({
    summary: 'The outcomes report',
    description:
      'Aggregates over the enrollments started in [from, to] (coordinators: their agency; admins and auditors: all), as JSON or CSV, with small cells suppressed and listed.',
  })
  @Get('outcomes')
  @Audited({ action: 'report.outcomes.read', subject: 'report', id: 'none' })
  @Roles('coordinator', 'admin', 'auditor')
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({
    type: OutcomesReportDto,
    description:
      'JSON, or with `format=csv` rows `metric,value,suppressed` (`<5` for a small count)',
  })
  async outcomes(
    @Query() query: OutcomesReportQueryDto,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OutcomesReportDto | string> {
    const report = await this.reports.outcomes(caller, query);
    if (query.format !== 'csv') return report;
    void reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="outcomes.csv"');
    return this.reports.outcomesCsv(report);
  }
}
