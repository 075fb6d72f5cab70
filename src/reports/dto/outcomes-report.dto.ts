import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, Length } from 'class-validator';
import { IsCalendarDate } from '../../enrollments/dto/date-validators';
import type { SuppressionReason } from '../domain/small-cell-suppression';

export const REPORT_FORMATS = ['json', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** `GET /reports/outcomes?from=&to=&site=&format=`. */
export class OutcomesReportQueryDto {
  @ApiPropertyOptional({
    format: 'date',
    description: 'First start date counted (inclusive); all enrollments when absent',
  })
  @IsOptional()
  @IsCalendarDate()
  from?: string;

  @ApiPropertyOptional({ format: 'date', description: 'Last start date counted (inclusive)' })
  @IsOptional()
  @IsCalendarDate()
  to?: string;

  @ApiPropertyOptional({ description: 'Only enrollments at this site' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @Length(1, 100)
  site?: string;

  @ApiPropertyOptional({ enum: REPORT_FORMATS, default: 'json' })
  @IsOptional()
  @IsIn(REPORT_FORMATS)
  format?: ReportFormat;
}

export class AttendanceRateByCategoryDto {
  @ApiProperty({ type: Number, nullable: true }) mental_health!: number | null;
  @ApiProperty({ type: Number, nullable: true }) substance_abuse!: number | null;
  @ApiProperty({ type: Number, nullable: true }) education!: number | null;
  @ApiProperty({ type: Number, nullable: true }) shelter!: number | null;
}

export class SealingNoticeCountsDto {
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Not yet acknowledged (overdue included)',
  })
  pending!: number | null;
  @ApiProperty({ type: Number, nullable: true }) acknowledged!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Pending past their 60 days' })
  overdue!: number | null;
}

export class CourtFindingCountsDto {
  @ApiProperty({
    type: Number,
    nullable: true,
    description:
      "Completed on the court's recorded finding of substantial compliance (a milestone short); part of `completed`. null when under 5",
  })
  substantialCompliance!: number | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    description:
      "Terminated on the court's finding of unsatisfactory completion (the minor told why, with the right to a hearing); part of `terminated`. null when under 5",
  })
  unsatisfactory!: number | null;
}

export class SuppressedCellDto {
  @ApiProperty({ example: 'sealingNotices.overdue', description: 'Path of the null cell' })
  cell!: string;
  @ApiProperty({
    enum: ['small_count', 'complementary', 'small_base'],
    description:
      '`small_count`: a count under 5; `complementary`: hidden so a suppressed count cannot be worked out from the others; `small_base`: a rate or median from fewer than 5 or from a hidden count',
  })
  reason!: SuppressionReason;
}

const COUNT = { type: Number, nullable: true, description: 'null when under 5 (suppressed)' };
const RATE = {
  type: Number,
  nullable: true,
  minimum: 0,
  maximum: 1,
  description: 'Share 0..1 (4 decimals); null when its numerator or denominator is under 5',
};

/**
 * The outcomes report: aggregates of the enrollments that started in [from, to] (the
 * caller's agency's for a coordinator, all for admins and auditors), with small cells
 * suppressed. Never an identifying field.
 */
export class OutcomesReportDto {
  @ApiProperty({ type: String, format: 'date', nullable: true }) from!: string | null;
  @ApiProperty({ type: String, format: 'date', nullable: true }) to!: string | null;
  @ApiProperty({ type: String, nullable: true }) site!: string | null;
  @ApiProperty({ format: 'date-time' }) generatedAt!: string;
  @ApiProperty({ example: 5, description: 'Counts under this are suppressed' })
  suppressionThreshold!: number;
  @ApiProperty(COUNT) enrolled!: number | null;
  @ApiProperty(COUNT) pendingConsent!: number | null;
  @ApiProperty(COUNT) active!: number | null;
  @ApiProperty(COUNT) pendingCourtReview!: number | null;
  @ApiProperty(COUNT) completed!: number | null;
  @ApiProperty(COUNT) withdrawn!: number | null;
  @ApiProperty(COUNT) terminated!: number | null;
  @ApiProperty({
    ...RATE,
    description: `completed / (completed + withdrawn + terminated). ${RATE.description}`,
  })
  completionRate!: number | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    description:
      "Median days from start date to completion (in the program's time zone); null under 5 completions",
  })
  medianDaysToCompletion!: number | null;
  @ApiProperty({
    type: AttendanceRateByCategoryDto,
    description: `present / recorded sessions per service category. ${RATE.description}`,
  })
  attendanceRateByCategory!: AttendanceRateByCategoryDto;
  @ApiProperty({
    ...RATE,
    description: `Activated enrollments whose first present session started within 24 hours of activation, among those decided (connected, or 24 hours passed). ${RATE.description}`,
  })
  connectedWithin24hRate!: number | null;
  @ApiProperty({ type: SealingNoticeCountsDto }) sealingNotices!: SealingNoticeCountsDto;
  @ApiProperty({
    ...COUNT,
    description:
      "Completed enrollments whose minor's written notice is past due. null when under 5",
  })
  minorNoticesOverdue!: number | null;
  @ApiProperty({ type: CourtFindingCountsDto }) courtFindings!: CourtFindingCountsDto;
  @ApiProperty({ type: [SuppressedCellDto] }) suppressedCells!: SuppressedCellDto[];
}
