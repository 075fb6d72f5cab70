import { plainToInstance } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';
import { isCalendarDate } from '../../enrollments/domain/program-period';
import { isTimestampWithOffset } from '../../enrollments/dto/date-validators';
import { ATTENDANCE_STATUSES } from '../attendance-record.entity';
import type { AttendanceCandidate, AttendanceRejection } from '../domain/attendance-rules';
import {
  BatchAttendanceRecordDto,
  MAX_EXTERNAL_ID_LENGTH,
  MAX_NOTES_LENGTH,
  MAX_SESSION_MINUTES,
} from './record-attendance.dto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KNOWN_FIELDS = new Set([
  'milestoneId',
  'sessionDate',
  'sessionStartedAt',
  'status',
  'durationMinutes',
  'notes',
  'externalId',
]);
const absent = (value: unknown): value is null | undefined => value === null || value === undefined;

/**
 * The common case without class-validator (a batch of 1000 spent ~30 ms in it): a record
 * this accepts, the DTO's rules accept too (it is stricter, never looser: lengths in UTF-16
 * units, which count an emoji as two). Anything else goes through the DTO for its messages.
 */
function plainlyValid(record: Record<string, unknown>): AttendanceCandidate | null {
  const { milestoneId, sessionDate, sessionStartedAt, status, durationMinutes, notes, externalId } =
    record;
  const ok =
    Object.keys(record).every((key) => KNOWN_FIELDS.has(key)) &&
    typeof milestoneId === 'string' &&
    UUID.test(milestoneId) &&
    typeof sessionDate === 'string' &&
    isCalendarDate(sessionDate) &&
    (absent(sessionStartedAt) || isTimestampWithOffset(sessionStartedAt)) &&
    (ATTENDANCE_STATUSES as readonly unknown[]).includes(status) &&
    (absent(durationMinutes) ||
      (Number.isInteger(durationMinutes) &&
        (durationMinutes as number) >= 1 &&
        (durationMinutes as number) <= MAX_SESSION_MINUTES)) &&
    (absent(notes) || (typeof notes === 'string' && notes.length <= MAX_NOTES_LENGTH)) &&
    (absent(externalId) ||
      (typeof externalId === 'string' &&
        externalId.length >= 1 &&
        externalId.length <= MAX_EXTERNAL_ID_LENGTH));
  if (!ok) return null;
  return {
    index: 0,
    milestoneId: milestoneId.toLowerCase(),
    sessionDate,
    sessionStartedAt: sessionStartedAt ?? null,
    status: status as AttendanceCandidate['status'],
    durationMinutes: (durationMinutes as number | null | undefined) ?? null,
    notes: notes ?? null,
    externalId: externalId ?? null,
  };
}

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
  const fast = plainlyValid(plain as Record<string, unknown>);
  if (fast) return { candidate: { ...fast, index } };
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
      sessionStartedAt: dto.sessionStartedAt ?? null,
      status: dto.status,
      durationMinutes: dto.durationMinutes ?? null,
      notes: dto.notes ?? null,
      externalId: dto.externalId ?? null,
    },
  };
}
