import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ATTENDANCE_STATUSES } from '../attendance-record.entity';
import type { AttendanceStatus } from '../../enrollments/domain/milestone-progress';

/** An attendance record as stored (snake_case columns, as read by the attendance queries). */
export interface AttendanceRow {
  id: string;
  milestone_id: string;
  enrollment_id: string;
  session_date: string;
  status: AttendanceStatus;
  duration_minutes: number | null;
  notes: string | null;
  external_id: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export class AttendanceDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) milestoneId!: string;
  @ApiProperty({ format: 'uuid' }) enrollmentId!: string;
  @ApiProperty({ format: 'date' }) sessionDate!: string;
  @ApiProperty({ enum: ATTENDANCE_STATUSES }) status!: AttendanceStatus;
  @ApiProperty({ type: 'integer', nullable: true }) durationMinutes!: number | null;
  @ApiProperty({ type: String, nullable: true }) notes!: string | null;
  @ApiProperty({ type: String, nullable: true }) externalId!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ type: 'integer', description: 'Also the strong ETag: `"<version>"`' })
  version!: number;
  @ApiPropertyOptional({
    description:
      '42 CFR 2.32 notice: present when substance use treatment records are disclosed to an agency other than the delivering provider',
  })
  redisclosureNotice?: string;

  static from(
    row: AttendanceRow,
    redisclosureNotice?: string,
    withholdNotes = false,
  ): AttendanceDto {
    const dto: AttendanceDto = {
      id: row.id,
      milestoneId: row.milestone_id,
      enrollmentId: row.enrollment_id,
      sessionDate: row.session_date,
      status: row.status,
      durationMinutes: row.duration_minutes,
      notes: withholdNotes ? null : row.notes,
      externalId: row.external_id,
      createdAt: new Date(row.created_at).toISOString(),
      updatedAt: new Date(row.updated_at).toISOString(),
      version: row.version,
    };
    if (redisclosureNotice) dto.redisclosureNotice = redisclosureNotice;
    return dto;
  }
}
