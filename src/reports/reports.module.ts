import { Module } from '@nestjs/common';
import { OutcomesReportRepository } from './outcomes-report.repository';
import { ReportsController } from './reports.controller';
import { ReportsService } from './reports.service';

/** Aggregate reports: read models over the program's tables, no table of its own. */
@Module({
  controllers: [ReportsController],
  providers: [ReportsService, OutcomesReportRepository],
})
export class ReportsModule {}
