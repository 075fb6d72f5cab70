import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { ATTENDANCE_STATUSES } from '../attendance-record.entity';
import type { AttendanceStatus } from '../../enrollments/domain/milestone-progress';
import { MAX_NOTES_LENGTH, MAX_SESSION_MINUTES } from './record-attendance.dto';

/** `PATCH /attendance/:id`: a provider's correction of its own record (If-Match required). */
export class CorrectAttendanceDto {
  @ApiPropertyOptional({ enum: ATTENDANCE_STATUSES })
  @ValidateIf((dto: CorrectAttendanceDto) => dto.status !== undefined)
  @IsIn(ATTENDANCE_STATUSES)
  status?: AttendanceStatus;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_SESSION_MINUTES,
    nullable: true,
    description: 'null clears it',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_SESSION_MINUTES)
  durationMinutes?: number | null;

  @ApiPropertyOptional({
    maxLength: MAX_NOTES_LENGTH,
    nullable: true,
    description: 'null clears them',
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_NOTES_LENGTH)
  notes?: string | null;
}

/** Body of `POST /attendance/:id/void`. */
export class VoidAttendanceDto {
  @ApiProperty({ example: 'Recorded for the wrong participant', maxLength: 1000 })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @Length(1, 1000)
  reason!: string;
}
