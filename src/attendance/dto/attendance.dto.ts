import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ATTENDANCE_STATUSES } from '../attendance-record.entity';
import type { AttendanceStatus } from '../../enrollments/domain/milestone-progress';

/** An attendance record as stored (snake_case columns, as read by the attendance queries). */
export interface AttendanceRow {
  id: string;
  milestone_id: string;
  enrollment_id: string;
  session_date: string;
  session_started_at: Date | null;
  status: AttendanceStatus;
  duration_minutes: number | null;
  notes: string | null;
  external_id: string | null;
  voided_at: Date | null;
  voided_by: string | null;
  void_reason: string | null;
  /** The agency that delivered (and recorded) the session. */
  provider_agency_id: string;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export class AttendanceDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) milestoneId!: string;
  @ApiProperty({ format: 'uuid' }) enrollmentId!: string;
  @ApiProperty({ format: 'date' }) sessionDate!: string;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When the session started, if the provider gave it',
  })
  sessionStartedAt!: string | null;
  @ApiProperty({ enum: ATTENDANCE_STATUSES }) status!: AttendanceStatus;
  @ApiProperty({ type: Number, nullable: true }) durationMinutes!: number | null;
  @ApiProperty({ type: String, nullable: true }) notes!: string | null;
  @ApiProperty({ type: String, nullable: true }) externalId!: string | null;
  @ApiProperty({
    description: 'A voided record stays in the history but no longer counts toward the milestone',
  })
  voided!: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) voidedAt!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) voidedBy!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Why it was voided; withheld like the notes',
  })
  voidReason!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ description: 'Also the strong ETag: `"<version>"`' }) version!: number;
  @ApiPropertyOptional({
    description:
      '42 CFR 2.32 notice: present when substance use treatment records are disclosed to an agency other than the delivering provider',
  })
  redisclosureNotice?: string;

  /** Use `presentAttendance` (attendance.presenter.ts): it decides the disclosure. */
  static from(
    row: AttendanceRow,
    disclosure: { notes: boolean; redisclosureNotice: string | undefined },
  ): AttendanceDto {
    const dto: AttendanceDto = {
      id: row.id,
      milestoneId: row.milestone_id,
      enrollmentId: row.enrollment_id,
      sessionDate: row.session_date,
      sessionStartedAt:
        row.session_started_at === null ? null : new Date(row.session_started_at).toISOString(),
      status: row.status,
      durationMinutes: row.duration_minutes,
      notes: disclosure.notes ? row.notes : null,
      externalId: row.external_id,
      voided: row.voided_at !== null,
      voidedAt: row.voided_at === null ? null : new Date(row.voided_at).toISOString(),
      voidedBy: row.voided_by,
      voidReason: disclosure.notes ? row.void_reason : null,
      createdAt: new Date(row.created_at).toISOString(),
      updatedAt: new Date(row.updated_at).toISOString(),
      version: row.version,
    };
    if (disclosure.redisclosureNotice) dto.redisclosureNotice = disclosure.redisclosureNotice;
    return dto;
  }
}
