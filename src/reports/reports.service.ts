import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import type { Caller } from '../identity/access/caller';
import { toCsv } from './domain/csv';
import {
  PublishedOutcomes,
  suppressOutcomes,
  SUPPRESSION_THRESHOLD,
} from './domain/small-cell-suppression';
import { OutcomesReportDto, OutcomesReportQueryDto } from './dto/outcomes-report.dto';
import { OutcomesReportRepository } from './outcomes-report.repository';

/** Aggregate reports: figures from SQL, suppression as a plain rule, JSON or CSV. */
@Injectable()
export class ReportsService {
  constructor(private readonly figures: OutcomesReportRepository) {}

  async outcomes(caller: Caller, query: OutcomesReportQueryDto): Promise<OutcomesReportDto> {
    if (query.from && query.to && query.from > query.to) {
      throw new DomainError('VALIDATION_FAILED', 'from must not be after to', [
        { field: 'from', message: 'from must not be after to' },
      ]);
    }
    const filter = { from: query.from ?? null, to: query.to ?? null, site: query.site ?? null };
    const published = suppressOutcomes(await this.figures.figures(caller, filter));
    return {
      ...filter,
      generatedAt: new Date().toISOString(),
      suppressionThreshold: SUPPRESSION_THRESHOLD,
      ...published,
    };
  }

  /** The same report as CSV rows `metric,value,suppressed`: `<5` for a small count. */
  outcomesCsv(report: OutcomesReportDto): string {
    const reasons = new Map(report.suppressedCells.map((c) => [c.cell, c.reason]));
    const rows: (string | number | null)[][] = [
      ['metric', 'value', 'suppressed'],
      ['from', report.from, null],
      ['to', report.to, null],
      ['site', report.site, null],
      ['generatedAt', report.generatedAt, null],
    ];
    const add = (cell: string, value: number | null) => {
      const reason = reasons.get(cell) ?? null;
      rows.push([cell, reason === 'small_count' ? `<${SUPPRESSION_THRESHOLD}` : value, reason]);
    };
    const cells: [string, number | null][] = [
      ['enrolled', report.enrolled],
      ['pendingConsent', report.pendingConsent],
      ['active', report.active],
      ['pendingCourtReview', report.pendingCourtReview],
      ['completed', report.completed],
      ['withdrawn', report.withdrawn],
      ['terminated', report.terminated],
      ['completionRate', report.completionRate],
      ['medianDaysToCompletion', report.medianDaysToCompletion],
      ...Object.entries(report.attendanceRateByCategory).map(
        ([category, value]) =>
          [`attendanceRateByCategory.${category}`, value] as [string, number | null],
      ),
      ['connectedWithin24hRate', report.connectedWithin24hRate],
      ['sealingNotices.pending', report.sealingNotices.pending],
      ['sealingNotices.acknowledged', report.sealingNotices.acknowledged],
      ['sealingNotices.overdue', report.sealingNotices.overdue],
      ['minorNoticesOverdue', report.minorNoticesOverdue],
      ['courtFindings.substantialCompliance', report.courtFindings.substantialCompliance],
      ['courtFindings.unsatisfactory', report.courtFindings.unsatisfactory],
    ];
    for (const [cell, value] of cells) add(cell, value);
    return toCsv(rows);
  }
}

export type { PublishedOutcomes };
