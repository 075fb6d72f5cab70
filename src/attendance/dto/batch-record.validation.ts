import { plainToInstance } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';
import type { AttendanceCandidate, AttendanceRejection } from '../domain/attendance-rules';
import { BatchAttendanceRecordDto } from './record-attendance.dto';

function fieldMessages(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) =>
      message.replace(/^property (\S+) should not exist$/, `${field} is not a known field`),
    );
    return [...own, ...fieldMessages(error.children ?? [], field)];
  });
}

/**
 * Validates one record of a batch with the same rules as the global pipe (unknown fields
 * refused, values never echoed back), so a bad record becomes a rejection with its index
 * instead of failing the whole batch.
 */
export function validateBatchRecord(
  plain: unknown,
  index: number,
): { candidate: AttendanceCandidate } | { rejection: AttendanceRejection } {
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) {
    return {
      rejection: { index, code: 'VALIDATION_FAILED', detail: 'the record must be an object' },
    };
  }
  const dto = plainToInstance(BatchAttendanceRecordDto, plain);
  const errors = validateSync(dto, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
  });
  if (errors.length > 0) {
    return {
      rejection: { index, code: 'VALIDATION_FAILED', detail: fieldMessages(errors).join('; ') },
    };
  }
  return {
    candidate: {
      index,
      milestoneId: dto.milestoneId.toLowerCase(),
      sessionDate: dto.sessionDate,
      status: dto.status,
      durationMinutes: dto.durationMinutes ?? null,
      notes: dto.notes ?? null,
      externalId: dto.externalId ?? null,
    },
  };
}
