import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { ATTENDANCE_STATUSES } from '../attendance-record.entity';
import type { AttendanceStatus } from '../../enrollments/domain/milestone-progress';
import { IsCalendarDate, IsTimestampWithOffset } from '../../enrollments/dto/date-validators';

export const MAX_SESSION_MINUTES = 1440;
export const MAX_NOTES_LENGTH = 4000;
export const MAX_EXTERNAL_ID_LENGTH = 200;

/** `POST /milestones/:id/attendance`: one session of the milestone's service. */
export class RecordAttendanceDto {
  @ApiProperty({
    format: 'date',
    example: '2026-03-02',
    description: 'Day of the session (YYYY-MM-DD)',
  })
  @IsCalendarDate()
  sessionDate!: string;

  @ApiProperty({
    enum: ATTENDANCE_STATUSES,
    description: 'Only `present` counts toward the milestone',
  })
  @IsIn(ATTENDANCE_STATUSES)
  status!: AttendanceStatus;

  @ApiPropertyOptional({
    format: 'date-time',
    example: '2026-03-02T16:30:00-08:00',
    description:
      "When the session started (ISO 8601 with offset). It must fall on sessionDate in the program's time zone and not lie in the future. The 24-hour rule measures from activation to the first present session's start: this time when given, otherwise the end of sessionDate in the program's time zone",
  })
  @IsOptional()
  @IsTimestampWithOffset()
  sessionStartedAt?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_SESSION_MINUTES })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_SESSION_MINUTES)
  durationMinutes?: number;

  @ApiPropertyOptional({
    maxLength: MAX_NOTES_LENGTH,
    description:
      'Clinical or case notes: shown only to those who may see session details, never in events',
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_NOTES_LENGTH)
  notes?: string;

  @ApiPropertyOptional({
    minLength: 1,
    maxLength: MAX_EXTERNAL_ID_LENGTH,
    description:
      "The record's id in the provider's own system, unique per provider agency: re-sending it writes nothing and returns the stored record (200)",
  })
  @IsOptional()
  @IsString()
  @Length(1, MAX_EXTERNAL_ID_LENGTH)
  externalId?: string;
}

/** One record of `POST /attendance/batch`. */
export class BatchAttendanceRecordDto extends RecordAttendanceDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  milestoneId!: string;
}
