import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray } from 'class-validator';
import { BatchAttendanceRecordDto } from './record-attendance.dto';

export const MAX_BATCH_RECORDS = 1000;

/**
 * `POST /attendance/batch`. Only the envelope is validated here: each record is checked on
 * its own (BatchAttendanceRecordDto) so one bad record is rejected with its index instead of
 * failing the whole batch.
 */
export class BatchAttendanceDto {
  @ApiProperty({
    type: BatchAttendanceRecordDto,
    isArray: true,
    minItems: 1,
    maxItems: MAX_BATCH_RECORDS,
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH_RECORDS)
  records!: unknown[];
}

export class BatchRejectionDto {
  @ApiProperty({ type: 'integer', description: 'Position of the record in `records` (0-based)' })
  index!: number;
  @ApiProperty({
    example:
      'ENROLLMENT_NOT_ACTIVE: The enrollment is withdrawn; only active enrollments accept attendance',
    description: 'Error code, a colon, and an explanation',
  })
  reason!: string;
}

export const BATCH_OUTCOMES = ['accepted', 'duplicate'] as const;

export class BatchRecordOutcomeDto {
  @ApiProperty({ type: 'integer' }) index!: number;
  @ApiProperty({
    format: 'uuid',
    description: 'The stored record (for a duplicate: the one stored before)',
  })
  id!: string;
  @ApiProperty({ enum: BATCH_OUTCOMES }) outcome!: (typeof BATCH_OUTCOMES)[number];
}

export class BatchAttendanceResultDto {
  @ApiProperty({ type: 'integer', description: 'Records written by this request' })
  accepted!: number;
  @ApiProperty({
    type: 'integer',
    description: 'Re-sent externalIds: nothing written, the stored record stands',
  })
  duplicates!: number;
  @ApiProperty({ type: BatchRejectionDto, isArray: true }) rejected!: BatchRejectionDto[];
  @ApiProperty({
    type: BatchRecordOutcomeDto,
    isArray: true,
    description: 'Accepted and duplicate records with their ids, by index',
  })
  records!: BatchRecordOutcomeDto[];
}
