import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../common/pagination/pagination';

export const SEALING_NOTICE_STATUSES = ['pending', 'acknowledged'] as const;
export type SealingNoticeStatus = (typeof SEALING_NOTICE_STATUSES)[number];

/** `overdue` is a filter only: pending notices past their due time. */
export const SEALING_NOTICE_FILTERS = [...SEALING_NOTICE_STATUSES, 'overdue'] as const;
export type SealingNoticeFilter = (typeof SEALING_NOTICE_FILTERS)[number];

export class ListSealingNoticesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    enum: SEALING_NOTICE_FILTERS,
    description: '`overdue`: still pending after `dueAt`',
  })
  @IsOptional()
  @IsIn(SEALING_NOTICE_FILTERS)
  status?: SealingNoticeFilter;
}

export class AcknowledgeSealingNoticeDto {
  @ApiPropertyOptional({
    maxLength: 200,
    description:
      "The notified agency's own reference for the sealing (e.g. its order or ticket number)",
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  reference?: string;
}

/** A row as the notice queries select it (overdue computed in SQL against the database clock). */
export interface SealingNoticeRow {
  id: string;
  agency_id: string;
  enrollment_id: string;
  arrest_record_id: string;
  status: SealingNoticeStatus;
  created_at: Date;
  due_at: Date;
  acknowledged_at: Date | null;
  reference: string | null;
  overdue: boolean;
  version: number;
}

/**
 * A sealing notice: ids, status and dates only, never names, charges or arrest dates. The
 * arresting agency's own notice, read by those who seal its copy, also carries that agency's
 * `bookingNumber`: the key its records system finds the copy by (API.md "Additions").
 */
export class SealingNoticeDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid', description: 'The notified agency' }) agencyId!: string;
  @ApiProperty({ format: 'uuid' }) enrollmentId!: string;
  @ApiProperty({ format: 'uuid' }) arrestRecordId!: string;
  @ApiProperty({ enum: SEALING_NOTICE_STATUSES }) status!: SealingNoticeStatus;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time', description: 'createdAt + 60 days (WIC 786.5)' })
  dueAt!: string;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) acknowledgedAt!:
    string | null;
  @ApiProperty({ type: String, nullable: true }) reference!: string | null;
  @ApiProperty({ description: 'Still pending after dueAt' }) overdue!: boolean;
  @ApiPropertyOptional({
    description:
      "The arresting agency's own booking number: only on a notice to the arresting agency, shown to its records officers and sealing:ack clients; absent on every other notice",
  })
  bookingNumber?: string;
  @ApiProperty({ description: 'Also its strong ETag, `"<version>"`: send it as If-Match to ack' })
  version!: number;

  static from(row: SealingNoticeRow, bookingNumber?: string): SealingNoticeDto {
    return {
      ...(bookingNumber !== undefined ? { bookingNumber } : {}),
      id: row.id,
      agencyId: row.agency_id,
      enrollmentId: row.enrollment_id,
      arrestRecordId: row.arrest_record_id,
      status: row.status,
      createdAt: row.created_at.toISOString(),
      dueAt: row.due_at.toISOString(),
      acknowledgedAt: row.acknowledged_at?.toISOString() ?? null,
      reference: row.reference,
      overdue: row.overdue,
      version: Number(row.version),
    };
  }
}
