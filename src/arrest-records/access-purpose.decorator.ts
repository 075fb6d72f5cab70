import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';

export const ACCESS_PURPOSE_HEADER = 'x-access-purpose';
export const ACCESS_PURPOSE_MAX_LENGTH = 500;

/** Reads `X-Access-Purpose` (absent -> undefined); a blank or over-long one is a 400 on that header. */
export function parseAccessPurpose(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const purpose = (Array.isArray(header) ? header.join(', ') : header).trim();
  if (purpose.length < 1 || purpose.length > ACCESS_PURPOSE_MAX_LENGTH) {
    throw new DomainError('VALIDATION_FAILED', 'One or more fields are invalid', [
      {
        field: 'X-Access-Purpose',
        message: `X-Access-Purpose must be between 1 and ${ACCESS_PURPOSE_MAX_LENGTH} characters`,
      },
    ]);
  }
  return purpose;
}

/** The stated reason for opening a sealed record, from the `X-Access-Purpose` header. */
export const AccessPurpose = createParamDecorator(
  (_data: unknown, context: ExecutionContext): string | undefined =>
    parseAccessPurpose(
      context
        .switchToHttp()
        .getRequest<{ headers: Record<string, string | string[] | undefined> }>().headers[
        ACCESS_PURPOSE_HEADER
      ],
    ),
);
