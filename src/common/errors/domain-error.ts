import type { ErrorCode } from './error-catalog';

export interface FieldError {
  field: string;
  message: string;
}

/**
 * The only error type services throw. It names the broken rule by a stable code; the
 * exception filter turns it into an RFC 9457 problem. `detail` is shown to the caller, so it
 * must never hold personal data, SQL or internal ids of other agencies' records.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail?: string,
    readonly fieldErrors?: FieldError[],
    /** Extra members added to the problem body (e.g. OAuth's `error`). */
    readonly extensions?: Record<string, unknown>,
  ) {
    super(detail ?? code);
    this.name = 'DomainError';
  }
}

/** The one answer for "not there or not yours": identical whatever the reason. */
export class NotFoundError extends DomainError {
  constructor(resource: string) {
    super('NOT_FOUND', `${resource} not found`);
  }
}
