import { ValidationError, ValidationPipe } from '@nestjs/common';
import { DomainError, FieldError } from '../errors/domain-error';

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** Collapses several messages for one field into one entry, as the API contract promises. */
function onePerField(errors: FieldError[]): FieldError[] {
  const byField = new Map<string, string[]>();
  for (const { field, message } of errors) {
    byField.set(field, [...(byField.get(field) ?? []), message]);
  }
  return [...byField].map(([field, messages]) => ({ field, message: messages.join('; ') }));
}

/**
 * Global validation: DTOs are whitelisted and unknown fields are refused, every bad field is
 * reported by name. Values are never echoed back (they may be personal data).
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) =>
      new DomainError(
        'VALIDATION_FAILED',
        'One or more fields are invalid',
        onePerField(flatten(errors)).map(({ field, message }) => ({
          field,
          message: message.replace(/^property (\S+) should not exist$/, 'unknown field'),
        })),
      ),
  });
}
