import { ValidateBy, ValidationOptions } from 'class-validator';
import { isCalendarDate } from '../domain/program-period';

/** `YYYY-MM-DD` naming a real calendar day (no 2026-02-30). */
export function IsCalendarDate(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCalendarDate',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isCalendarDate(value),
        defaultMessage: (args) =>
          `${args?.property ?? 'value'} must be a calendar date as YYYY-MM-DD, between 1900 and 2199`,
      },
    },
    options,
  );
}

const TIMESTAMP_WITH_OFFSET =
  /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Whether `value` is an ISO 8601 date-time with an explicit offset naming a real instant. */
export function isTimestampWithOffset(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = TIMESTAMP_WITH_OFFSET.exec(value);
  return !!match && isCalendarDate(match[1]) && !Number.isNaN(Date.parse(value));
}

/** ISO 8601 date-time with an explicit offset (`Z` or `+hh:mm`): never a local time. */
export function IsTimestampWithOffset(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isTimestampWithOffset',
      validator: {
        validate: isTimestampWithOffset,
        defaultMessage: (args) =>
          `${args?.property ?? 'value'} must be an ISO 8601 date-time with an offset, e.g. 2026-03-01T10:00:00Z`,
      },
    },
    options,
  );
}
